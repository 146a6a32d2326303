// Runs the long-lived apps of `npm start` as children and stops them cleanly.
// Each child gets a process group of its own: a terminal's Ctrl-C (SIGINT to the foreground group) then reaches
// only this supervisor, which sends every child exactly one SIGTERM. Sharing the group, each child got the
// terminal's SIGINT and then the supervisor's SIGTERM: a second signal, exit 1.
import { spawn } from "node:child_process";

const COLORS = [35, 32, 33, 34, 36, 31];

/** Spawns `{ name, main, env }` apps; their output lines go to `write` with a coloured name tag. */
export function startApps(apps, { env, write = (s) => process.stdout.write(s), warn }) {
  return apps.map((app, i) => {
    const child = spawn(process.execPath, [app.main], {
      env: { ...env, ...app.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const tag = `\x1b[${COLORS[i % COLORS.length]}m${app.name.padEnd(16)}\x1b[0m`;
    const pipe = (stream) => {
      let rest = "";
      stream.on("data", (chunk) => {
        const lines = (rest + chunk.toString("utf8")).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) write(`${tag} ${line}\n`);
      });
    };
    pipe(child.stdout);
    pipe(child.stderr);
    const exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        warn(`${app.name} exited (${signal ?? code})`);
        resolve(code ?? 1);
      });
    });
    return { app, child, exited };
  });
}

/**
 * SIGINT/SIGTERM → one SIGTERM to each child; exits 0 when every child exited 0, else 1. A second signal or
 * `deadlineMs` without all children gone kills what is left and exits 1. Children die with the supervisor.
 */
export function stopOnSignals(children, { log, deadlineMs = 15_000 }) {
  let stopping = false;
  const killAll = (signal) => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const stop = () => {
    if (stopping) {
      killAll("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    log("stopping");
    killAll("SIGTERM");
    const deadline = setTimeout(() => {
      killAll("SIGKILL");
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    Promise.all(children.map((c) => c.exited)).then((codes) => process.exit(codes.every((c) => c === 0) ? 0 : 1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Own process groups mean a dying supervisor no longer takes the children along: do it here.
  process.on("exit", () => killAll("SIGTERM"));
}
