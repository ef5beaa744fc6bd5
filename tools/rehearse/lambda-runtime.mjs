// One Lambda function in a child process, run the way the Node.js runtime runs it: the handler named
// by _HANDLER is loaded from LAMBDA_TASK_ROOT (the unzipped bundle) at start, then each invocation
// arrives over IPC. Plain JavaScript on bare Node, with no TypeScript loader, as in Lambda; the
// parent (tools/rehearse/lambda-process.ts) gives it the function's environment and nothing else.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerName = process.env._HANDLER ?? '';

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function isEsmPackage() {
  const packageJson = join(taskRoot, 'package.json');
  return existsSync(packageJson) && JSON.parse(readFileSync(packageJson, 'utf8')).type === 'module';
}

// As aws-lambda-nodejs-runtime-interface-client's UserFunction.js: the module is everything up to
// the first dot after the last slash; it is tried as .js (required, or imported in an ESM package),
// then .mjs (imported), then .cjs (required).
async function loadHandler() {
  const dot = handlerName.indexOf('.', handlerName.lastIndexOf('/') + 1);
  if (dot < 1) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerName}`);
  const modulePath = resolve(taskRoot, handlerName.slice(0, dot));
  const require = createRequire(join(taskRoot, 'index.js'));
  let module;
  if (existsSync(`${modulePath}.js`)) {
    module = isEsmPackage() ? await import(pathToFileURL(`${modulePath}.js`).href) : require(`${modulePath}.js`);
  } else if (existsSync(`${modulePath}.mjs`)) {
    module = await import(pathToFileURL(`${modulePath}.mjs`).href);
  } else if (existsSync(`${modulePath}.cjs`)) {
    module = require(`${modulePath}.cjs`);
  } else {
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${handlerName.slice(0, dot)}' (no .js, .mjs or .cjs in the bundle)`,
    );
  }
  const handler = handlerName
    .slice(dot + 1)
    .split('.')
    .reduce((value, key) => value?.[key], module);
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`);
  }
  return handler;
}

const describe = (error) => ({
  errorType: error instanceof Error ? error.name : 'Error',
  errorMessage: error instanceof Error ? error.message : String(error),
});

let handler;
try {
  handler = await loadHandler();
  process.send({ type: 'ready' });
} catch (error) {
  process.send({ type: 'init-error', ...describe(error) }, () => process.exit(1));
}

process.on('message', async (message) => {
  const deadline = Date.now() + message.timeoutMs;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    process.send({ type: 'result', requestId: message.requestId, result });
  } catch (error) {
    process.send({ type: 'error', requestId: message.requestId, ...describe(error) });
  }
});
