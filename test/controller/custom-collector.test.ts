import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CustomCollectorProcess } from '../../src/controller/custom-collector.js';
import { LocalProcessRunner } from '../../src/runners/index.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('Custom collector sidecar', () => {
  it('writes the completion marker, lets the collector finish, and records its group for crash recovery', async () => {
    const trialDir = mkdtempSync(path.join(tmpdir(), 'katib-sidecar-'));
    const markerDir = path.join(trialDir, 'metrics');
    // Exits once a `<pid>.pid` file says completed, as Katib's collectors wait for the main process.
    const script = `const fs=require('fs');const d=${JSON.stringify(markerDir)};
      setInterval(()=>{try{if(fs.readdirSync(d).some(f=>f.endsWith('.pid')&&fs.readFileSync(d+'/'+f,'utf8').trim()==='completed')){console.log('done:'+process.env.KATIB_TRIAL_NAME+':'+process.env.EXTRA);process.exit(0)}}catch{}},20);`;
    const sidecar = CustomCollectorProcess.start({
      container: { name: 'c', command: [process.execPath, '-e', script] },
      trialName: 'exp-t1',
      trialDir,
      baseDir: trialDir,
      env: { EXTRA: 'yes' },
      markerDir,
    })!;
    const pgid = await CustomCollectorProcess.recordedPgid(trialDir);
    expect(pgid).toBeGreaterThan(1);
    expect(alive(pgid!)).toBe(true);
    await sidecar.finish(10_000);
    expect(readdirSync(markerDir)).toEqual([`${pgid}.pid`]);
    expect(readFileSync(path.join(trialDir, 'collector.log'), 'utf8')).toContain('done:exp-t1:yes');
  });

  it('a sidecar left behind by a crashed engine is found by its pid file and stopped', async () => {
    const trialDir = mkdtempSync(path.join(tmpdir(), 'katib-sidecar-'));
    const sidecar = CustomCollectorProcess.start({
      container: { name: 'c', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] },
      trialName: 'exp-t2',
      trialDir,
      baseDir: trialDir,
      env: {},
    })!;
    const pgid = (await CustomCollectorProcess.recordedPgid(trialDir))!;
    // Another trial's name does not match its environment: left alone.
    expect(LocalProcessRunner.killOrphanedProcessGroup(pgid, 'exp-other')).toBe(false);
    expect(LocalProcessRunner.killOrphanedProcessGroup(pgid, 'exp-t2')).toBe(true);
    await sidecar.finish(5000);
    expect(alive(pgid)).toBe(false);
    expect(existsSync(path.join(trialDir, 'collector.pid'))).toBe(true);
  });

  it('a container without a command is reported in the log, not started', () => {
    const trialDir = mkdtempSync(path.join(tmpdir(), 'katib-sidecar-'));
    const s = CustomCollectorProcess.start({
      container: { name: 'c', image: 'x' },
      trialName: 't',
      trialDir,
      baseDir: trialDir,
      env: {},
    });
    expect(s).toBeUndefined();
    expect(readFileSync(path.join(trialDir, 'collector.log'), 'utf8')).toMatch(/has no command/);
  });
});
