import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { median, round } from '../fixtures/stats';

const require = createRequire(import.meta.url);
/** The bundling options serverless-esbuild deploys with (custom.esbuild.config). */
const esbuildConfig = require('../esbuild.config.cjs') as () => Record<string, unknown>;

export interface ColdStartFigures {
  function: string;
  /** `deployed`: the bundle serverless deploys; `baseline`: ingest as before issue 13, with the AWS SDK. */
  variant: 'deployed' | 'baseline';
  bundleBytes: number;
  /** The three biggest contributors to the bundle, by package. */
  topContributors: { name: string; bytes: number }[];
  initMedianMs: number;
  initRuns: number;
}

const VARIANTS = [
  { name: 'ingest', variant: 'deployed', entry: 'functions/ingest.ts' },
  { name: 'process', variant: 'deployed', entry: 'functions/process.ts' },
  { name: 'query', variant: 'deployed', entry: 'functions/query.ts' },
  // The same handler with the SDK's SQS client and Powertools Parameters, as deployed before.
  { name: 'ingest', variant: 'baseline', entry: 'bench/baseline/ingest-sdk.ts' },
] as const;

function contributors(metafile: Metafile, output: string): { name: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match?.[1] ?? 'our code';
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, bytes }));
}

/**
 * Bundles each function exactly as deployed and measures module initialisation: the median, over
 * fresh `node` processes, of the time to `require` the bundle (which builds its clients). Runs go
 * round-robin over the bundles, so a busy moment on the shared machine hits all of them alike.
 */
export async function measureColdStart(runs: number): Promise<ColdStartFigures[]> {
  const { exclude: _exclude, packager: _packager, outputFileExtension: _extension, ...options } = esbuildConfig();
  const outDir = resolve('bench/.out');
  mkdirSync(outDir, { recursive: true });
  const built: { outfile: string; bytes: number; top: { name: string; bytes: number }[] }[] = [];
  for (const { name, variant, entry } of VARIANTS) {
    const outfile = `${outDir}/${name}${variant === 'baseline' ? '-baseline' : ''}.cjs`;
    const result = await build({ ...options, entryPoints: [entry], outfile, metafile: true, logLevel: 'silent' });
    const output = Object.keys(result.metafile.outputs).find((path) => path.endsWith('.cjs')) as string;
    built.push({
      outfile,
      bytes: result.metafile.outputs[output]?.bytes ?? 0,
      top: contributors(result.metafile, output),
    });
  }
  const samples: number[][] = VARIANTS.map(() => []);
  for (let i = 0; i < runs; i += 1) {
    for (const [index, { outfile }] of built.entries()) {
      const child = spawnSync(
        process.execPath,
        [
          '-e',
          `const s=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-s)/1e6))`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench',
            TABLE_NAME: 'bench',
            RECORDING_APPS_PARAMETER: '/bench/apps',
          },
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) throw new Error(`init of ${outfile} failed: ${child.stderr}`);
      samples[index]?.push(Number(child.stdout));
    }
  }
  return VARIANTS.map(({ name, variant }, index) => ({
    function: name,
    variant,
    bundleBytes: built[index]?.bytes ?? 0,
    topContributors: built[index]?.top ?? [],
    initMedianMs: round(median(samples[index] ?? [])),
    initRuns: runs,
  }));
}
