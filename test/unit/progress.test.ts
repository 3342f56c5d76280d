import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressReporter } from '../../src/transfer/progress.js';

function setup(size: number) {
  let clock = 1_000;
  const events: Array<[number, number]> = [];
  const reporter = new ProgressReporter({
    size,
    intervalMs: 100,
    now: () => clock,
    emit: (bytesSoFar, bytesSinceLast) => events.push([bytesSoFar, bytesSinceLast]),
  });
  return { reporter, events, tick: (ms: number) => (clock += ms) };
}

describe('ProgressReporter', () => {
  it('reports the first moved bytes at once, then at most every interval', () => {
    const { reporter, events, tick } = setup(1000);
    reporter.update(0);
    assert.deepEqual(events, []);
    reporter.update(10);
    assert.deepEqual(events, [[10, 10]]);
    for (let i = 2; i <= 9; i++) {
      tick(10);
      reporter.update(i * 10);
    }
    assert.equal(events.length, 1, 'throttled within 100 ms');
    tick(30); // 110 ms since the first event
    reporter.update(100);
    assert.deepEqual(events, [
      [10, 10],
      [100, 90],
    ]);
  });

  it('always ends with bytesSoFar == size, without duplicating it', () => {
    const { reporter, events } = setup(500);
    reporter.update(200);
    reporter.update(500); // throttled
    reporter.finish();
    assert.deepEqual(events, [
      [200, 200],
      [500, 300],
    ]);

    const second = setup(500);
    second.reporter.update(500);
    second.reporter.finish();
    assert.deepEqual(second.events, [[500, 500]]);
  });

  it('sends a final event even when no bytes were reported, including for empty objects', () => {
    const { reporter, events } = setup(42);
    reporter.finish();
    assert.deepEqual(events, [[42, 42]]);
    const empty = setup(0);
    empty.reporter.finish();
    assert.deepEqual(empty.events, [[0, 0]]);
  });

  it('never runs backwards when a retry restarts from zero, and never exceeds size', () => {
    const { reporter, events, tick } = setup(300);
    reporter.update(150);
    tick(200);
    reporter.update(20); // retry started over
    tick(200);
    reporter.update(100);
    tick(200);
    reporter.update(250);
    tick(200);
    reporter.update(9999);
    assert.deepEqual(events, [
      [150, 150],
      [250, 100],
      [300, 50],
    ]);
    assert.ok(events.every(([, since]) => since > 0));
  });

  it('is silent after finish or stop, so nothing follows a complete', () => {
    const { reporter, events, tick } = setup(100);
    reporter.finish();
    tick(1000);
    reporter.update(100);
    reporter.finish();
    assert.equal(events.length, 1);

    const failed = setup(100);
    failed.reporter.update(10);
    failed.reporter.stop();
    failed.tick(1000);
    failed.reporter.update(50);
    failed.reporter.finish();
    assert.deepEqual(failed.events, [[10, 10]]);
  });
});
