// Public surface of the shared API building blocks (schemas, helpers, names).
export * from './analysis.js';
export * from './aws.js';
export * from './conditions.js';
export * from './duration.js';
export * from './ecs-service-ref.js';
export * from './flag-names.js';
export * from './formats.js';
export * from './history.js';
export * from './http-check.js';
export * from './kind.js';
export * from './metric-check.js';
export * from './redis-ref.js';
export * from './schema.js';
export * from './status.js';
export * from './validation.js';
