import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) used so far by a process and everything it started, read from
 * /proc (Linux, where the bench runs). The server is started through tsx, which runs it in a child
 * node process, so the tree is what counts.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while listed
    }
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
    stats.set(Number(name), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent }] of stats) {
      if (!inTree.has(pid) && inTree.has(parent)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += stats.get(pid)?.ticks ?? 0;
  // USER_HZ is 100 on every Linux the bench targets (getconf CLK_TCK).
  return ticks / 100;
}
