// The controller needs Node 24 (package.json "engines"): on older Node an AWS SDK or client-node
// import dies deep inside undici ("Cannot read properties of undefined (reading 'bind')"), which
// says nothing about the cause. Entry points check first and name what to run instead.

/** Lowest supported major version of Node.js; a unit test keeps it equal to package.json "engines". */
export const REQUIRED_NODE_MAJOR = 24;

/** A message for stderr when `version` (process.versions.node) is too old, else undefined. */
export function nodeVersionProblem(
  version: string,
  execPath: string,
  script: string,
): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= REQUIRED_NODE_MAJOR) return undefined;
  return (
    `${script} needs Node.js ${String(REQUIRED_NODE_MAJOR)} or newer; this is Node.js ${version} ` +
    `(${execPath}).\n` +
    `Run it with Node ${String(REQUIRED_NODE_MAJOR)}: \`npm ci\` installs it under node_modules/.bin, so ` +
    `\`npm start -- <flags>\` or \`node_modules/.bin/node ${script} <flags>\` works from the repository; ` +
    `the container image has it as /nodejs/bin/node.\n`
  );
}
