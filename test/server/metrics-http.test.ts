import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsHttpServer } from '../../src/server/index.js';
import { openStore, type ExperimentStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

describe('REST push endpoint', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-rest-'));
  let store: ExperimentStore;
  let server: MetricsHttpServer;
  let secured: MetricsHttpServer;
  const trial = 'exp-abc';

  beforeAll(async () => {
    store = await openStore(path.join(dir, 'katib.db'));
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('exp'));
      await tx.createTrial(trialFixture('exp', trial, 'Running'));
    });
    server = await MetricsHttpServer.start({ store, now: () => new Date('2026-01-02T03:04:05Z') });
    secured = await MetricsHttpServer.start({ store, token: 's3cret' });
  });
  afterAll(async () => {
    await server.close();
    await secured.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('binds to 127.0.0.1 and stores the metrics with steps, in one transaction', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(
      (await post(server.observationsUrl(trial), { metrics: { loss: 0.5, accuracy: '0.75' } })).status,
    ).toBe(204);
    expect(
      (await post(server.observationsUrl(trial), { metrics: { loss: 0.25 }, timestamp: 1767225600 })).status,
    ).toBe(204);
    expect(
      (
        await post(server.observationsUrl(trial), {
          metrics: { loss: 0.125 },
          step: 10,
          timestamp: '2026-01-03T00:00:00+01:00',
        })
      ).status,
    ).toBe(204);
    const logs = await store.read.getObservationLog(trial);
    expect(logs.map((l) => [l.metricName, l.value, l.step, l.timeStamp])).toEqual([
      ['loss', '0.25', 2, '2026-01-01T00:00:00.000Z'],
      ['loss', '0.5', 1, '2026-01-02T03:04:05.000Z'],
      ['accuracy', '0.75', 1, '2026-01-02T03:04:05.000Z'],
      ['loss', '0.125', 10, '2026-01-02T23:00:00.000Z'],
    ]);
  });

  it.each([
    ['not JSON', '{"metrics": ', 400, /^the body is not JSON/],
    ['no metrics', {}, 400, /invalid report/],
    ['a NaN-like value', { metrics: { loss: 'NaN' } }, 400, /invalid report/],
    ['an unknown field', { metrics: { loss: 1 }, epoch: 3 }, 400, /invalid report/],
  ])('answers %s with %i and the field path', async (_what, body, status, message) => {
    const before = (await store.read.getObservationLog(trial)).length;
    const res = await post(server.observationsUrl(trial), body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: string; details: { path: string; message: string }[] };
    expect(json.error).toMatch(message);
    expect((await store.read.getObservationLog(trial)).length).toBe(before);
  });

  it('names every bad field', async () => {
    const res = await post(server.observationsUrl(trial), {
      metrics: { loss: 'high', ok: 1 },
      step: -1,
      timestamp: 'yesterday',
    });
    const json = (await res.json()) as { details: { path: string; message: string }[] };
    expect(json.details.map((d) => d.path).sort()).toEqual([
      'body.metrics.loss',
      'body.step',
      'body.timestamp',
    ]);
  });

  it('404 for an unknown trial or path, 405 for GET, 413 for a huge body, 401 without the token', async () => {
    expect((await post(server.observationsUrl('nobody'), { metrics: { loss: 1 } })).status).toBe(404);
    expect((await post(`${server.url}/api/v1beta1/nothing`, { metrics: { loss: 1 } })).status).toBe(404);
    expect((await fetch(server.observationsUrl(trial))).status).toBe(405);
    expect(
      (await post(server.observationsUrl(trial), `{"metrics":{"x":"${'1'.repeat(2_000_000)}"}}`)).status,
    ).toBe(413);
    expect((await post(secured.observationsUrl(trial), { metrics: { loss: 1 } })).status).toBe(401);
    expect(
      (
        await post(
          secured.observationsUrl(trial),
          { metrics: { loss: 1 } },
          { authorization: 'Bearer s3cret' },
        )
      ).status,
    ).toBe(204);
  });
});
