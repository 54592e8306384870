'use strict';
// Small helpers shared by the runner and the bench children: clocks, statistics,
// CPU pinning, /proc readings and number formatting.
const { execFileSync } = require('child_process');
const fs = require('fs');

// CLOCK_MONOTONIC in ns; the same clock in every process, so start/end stamps of
// different processes can be compared. A Number keeps ns precision for 104 days of uptime.
const now = () => Number(process.hrtime.bigint());

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

let tasksetOk;
function hasTaskset() {
  if (tasksetOk === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      tasksetOk = true;
    } catch {
      tasksetOk = false;
    }
  }
  return tasksetOk;
}

// Pin every thread of `pid` to one CPU. Threads created later inherit it.
function pin(pid, cpu) {
  if (cpu == null) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

// Native thread count and RSS of this process, from /proc/self/status.
function procStatus() {
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  const num = (key) => Number((text.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm')) || [])[1]);
  return { threads: num('Threads'), rssMB: Math.round(num('VmRSS') / 1024) };
}

function fmtTime(ns) {
  if (ns == null || !Number.isFinite(ns)) return '-';
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

function fmtRate(perSec) {
  if (perSec == null || !Number.isFinite(perSec)) return '-';
  if (perSec >= 1e6) return `${(perSec / 1e6).toPrecision(3)} M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toPrecision(3)} k/s`;
  return `${perSec.toPrecision(3)} /s`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { now, stats, hasTaskset, pin, procStatus, fmtTime, fmtRate, sleep };
