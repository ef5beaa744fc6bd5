import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { median, round } from './stats';

const require = createRequire(import.meta.url);
/** The bundling options serverless-esbuild deploys with (custom.esbuild.config). */
const esbuildConfig = require('../esbuild.config.cjs') as () => Record<string, unknown>;

export interface ColdStartFigures {
  function: string;
  /** How the AWS SDK is shipped: bundled (as deployed) or left to the Lambda runtime (a measured alternative). */
  sdk: 'bundled' | 'runtime';
  bundleBytes: number;
  /** The three biggest contributors to the bundle, by package. */
  topContributors: { name: string; bytes: number }[];
  initMedianMs: number;
  initRuns: number;
}

const VARIANTS = [
  { name: 'ingest', sdk: 'bundled' },
  { name: 'process', sdk: 'bundled' },
  { name: 'query', sdk: 'bundled' },
  // The alternative the ingest size goal points at: the SDK the nodejs22.x runtime already has.
  // Its init here loads the SDK from this repo's node_modules, which stands in for the runtime's copy.
  { name: 'ingest', sdk: 'runtime' },
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
 * fresh `node` processes, of the time to `require` the bundle (which builds its clients).
 */
export async function measureColdStart(runs: number): Promise<ColdStartFigures[]> {
  const { exclude: _exclude, packager: _packager, outputFileExtension: _extension, ...options } = esbuildConfig();
  const outDir = resolve('bench/.out');
  mkdirSync(outDir, { recursive: true });
  const figures: ColdStartFigures[] = [];
  for (const { name, sdk } of VARIANTS) {
    const outfile = `${outDir}/${name}${sdk === 'runtime' ? '-runtime-sdk' : ''}.cjs`;
    const result = await build({
      ...options,
      entryPoints: [`functions/${name}.ts`],
      outfile,
      metafile: true,
      logLevel: 'silent',
      external: sdk === 'runtime' ? ['@aws-sdk/*', '@smithy/*'] : [],
    });
    const output = Object.keys(result.metafile.outputs).find((path) => path.endsWith('.cjs')) as string;
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
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
      if (child.status !== 0) throw new Error(`init of ${name} failed: ${child.stderr}`);
      samples.push(Number(child.stdout));
    }
    figures.push({
      function: name,
      sdk,
      bundleBytes: result.metafile.outputs[output]?.bytes ?? 0,
      topContributors: contributors(result.metafile, output),
      initMedianMs: round(median(samples)),
      initRuns: runs,
    });
  }
  return figures;
}
