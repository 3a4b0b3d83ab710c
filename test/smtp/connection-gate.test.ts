// The per-client connection gate of the SMTP ports (src/smtp/connection-gate.ts): open connections
// and new ones per minute, counted over a sliding minute, clients apart, exempt networks free; and
// a client far over any limit (or with no rate limit at all) keeps the gate's work per admission
// constant, which the e2e test of the limits (test/e2e/send-limits.test.ts) cannot show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { ConnectionGate } from '../../src/smtp/connection-gate.ts';

test('new connections per minute are counted over a sliding minute, per client', () => {
  const gate = new ConnectionGate({ maxPerClient: 0, ratePerMinute: 3 });
  const at = (s: number) => s * 1000;
  for (const s of [0, 20, 40]) assert.equal(gate.admit('192.0.2.1', at(s)), null);
  assert.match(gate.admit('192.0.2.1', at(50)) ?? '', /limit 3 a minute/);
  assert.equal(gate.admit('192.0.2.2', at(50)), null, 'another client has its own count');
  assert.equal(gate.admit('192.0.2.1', at(61)), null, 'the start at 0 s is over a minute old');
  assert.match(gate.admit('192.0.2.1', at(62)) ?? '', /limit 3 a minute/, 'a refused connection does not count');
  assert.equal(gate.admit('192.0.2.1', at(81)), null);
});

test('open connections per client are limited until one is released', () => {
  const gate = new ConnectionGate({ maxPerClient: 2, ratePerMinute: 0 });
  assert.equal(gate.admit('2001:db8::1'), null);
  assert.equal(gate.admit('2001:db8::2'), null, 'the same /64');
  assert.match(gate.admit('2001:db8::3') ?? '', /2 open, limit 2/);
  gate.release('2001:db8::1');
  assert.equal(gate.admit('2001:db8::3'), null);
});

test('exempt networks are never limited', () => {
  const exempt = new BlockList();
  exempt.addSubnet('10.0.0.0', 8);
  const gate = new ConnectionGate({ maxPerClient: 1, ratePerMinute: 1 }, exempt);
  for (let i = 0; i < 5; i++) assert.equal(gate.admit('10.1.2.3'), null);
});

test('a client sending far more than the limit keeps each admission cheap', () => {
  // 200,000 connections from one client within one minute: the former gate filtered the whole
  // minute's start times on every admission (quadratic: 2·10¹⁰ steps here); now each one is O(1)
  for (const ratePerMinute of [0, 600]) {
    const gate = new ConnectionGate({ maxPerClient: 0, ratePerMinute });
    let refused = 0;
    for (let i = 0; i < 200_000; i++) {
      const now = Math.floor(i / 4); // 4,000 a second for 50 s
      if (gate.admit('198.51.100.7', now) === null) gate.release('198.51.100.7');
      else refused++;
    }
    assert.equal(refused, ratePerMinute === 0 ? 0 : 200_000 - ratePerMinute);
  }
});
