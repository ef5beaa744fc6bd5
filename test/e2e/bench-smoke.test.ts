import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../lib/platforms';

// Timing goals live in `npm run bench`, never here: this only checks the bench runs end to end and
// reports every figure BENCHMARKS.md relies on.
describe('npm run bench -- --smoke', () => {
  it('runs every section and writes every field', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'results.json');
    const child = spawn('npm', ['run', 'bench', '--', '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);

    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({ mode: 'smoke', machine: { cores: expect.any(Number), node: process.version } });
    expect(Date.parse(results.timestamp)).not.toBeNaN();
    expect(results.ingest.map((row: { endpoint: string }) => row.endpoint)).toEqual(ENDPOINTS);
    for (const row of results.ingest) {
      for (const field of [
        'ingestMedianMs',
        'ingestP99Ms',
        'sendMessageMedianMs',
        'sendMessageP99Ms',
        'ratio',
        'cpuMicrosPerRequest',
        'sdkSendMessageMedianMs',
      ]) {
        expect(row[field], field).toBeGreaterThan(0);
      }
    }
    expect(results.process).toHaveLength(4);
    const [ours, projector, transaction, baseline] = results.process;
    // Counted, not assumed: process writes once per event and never reads; the baseline reads.
    expect(ours).toMatchObject({ readsPerDistinct: 0, writesPerDistinct: 1, readsPerDuplicate: 0, batchFailures: 0 });
    expect(projector.implementation).toMatch(/projector/);
    expect(projector.writesPerDistinct).toBeGreaterThan(0);
    expect(projector.batchFailures).toBe(0);
    expect(transaction.implementation).toMatch(/transaction/);
    expect(baseline.readsPerDistinct).toBeGreaterThan(0);
    expect(baseline.writesPerDistinct).toBeGreaterThan(1);
    expect(
      results.coldStart.map((row: { function: string; variant: string }) => `${row.function}/${row.variant}`),
    ).toEqual(['ingest/deployed', 'process/deployed', 'query/deployed', 'ingest/baseline']);
    for (const row of results.coldStart) {
      expect(row.bundleBytes).toBeGreaterThan(1000);
      expect(row.topContributors).toHaveLength(3);
      expect(row.initMedianMs).toBeGreaterThan(0);
    }
    expect(results.longRecording).toMatchObject({ slices: 50, errors: 0 });
    expect(results.longRecording.getLongMedianMs).toBeGreaterThan(0);
    expect(results.longRecording.previous.getLongMedianMs).toBeGreaterThan(0);
    expect(results.cost.perMillionCallbacks).toHaveLength(2);
    for (const row of results.cost.perMillionCallbacks) expect(row.total).toBeGreaterThan(0);
    // Issue 22: the real-cadence figures, in every mode.
    for (const field of [
      'writeUnitsPerSlice',
      'writeUnitsPerFilelessEvent',
      'costPerMillionUsd',
      'baselineCostPerMillionUsd',
    ]) {
      expect(Number.isFinite(results.realCadence[field]), field).toBe(true);
      expect(results.realCadence[field], field).toBeGreaterThan(0);
    }
    expect(results.realCadence.errors).toBe(0);
    expect(results.realCadence.breakdown[0].rows.length).toBeGreaterThan(0);
    // Two methods, one figure: DynamoDB Local's consumed capacity and the units computed from the stream's images
    // (a number's size is AWS's rule "approximately", so an item at a KB boundary may differ by a unit: 1% allowed).
    for (const row of results.realCadence.crossCheck) {
      expect(Math.abs(row.reported - row.computed), `${row.kind} ${row.target}`).toBeLessThanOrEqual(
        0.01 * row.reported,
      );
    }
    expect(output).toContain('### Real cadence');
    expect(output).toContain('### Long recording');
    expect(output).toContain('### Cost per million callbacks');
  });
});
