export { WorkQueue, type WorkQueueOptions, type QueueMetricsSink } from './queue.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limiter.js';
