// Makes sure PostgreSQL, Redis and NATS JetStream answer: reuse running ones, else docker compose,
// else local binaries (installed with apt when root). Says what it did and what is missing.
import { mkdirSync, readdirSync } from "node:fs";
import net from "node:net";
import { capture, has, isRoot, log, run, sleep, warn } from "./sh.mjs";

/** Opens a TCP connection, optionally writes `send`, resolves with the first chunk read (or null). */
function talk(host, port, send, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.on("error", () => done(null));
    sock.on("connect", () => (send ? sock.write(send) : null));
    sock.on("data", (d) => done(d.toString("utf8")));
  });
}

const hostPort = (url, port) => {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || port) };
};

const probes = {
  postgres: async (env) => {
    const { host, port } = hostPort(env.DATABASE_URL, 5432);
    // SSLRequest: any server answers 'S' or 'N'.
    const reply = await talk(host, port, Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]));
    return reply !== null;
  },
  redis: async (env) => {
    const { host, port } = hostPort(env.REDIS_URL, 6379);
    return (await talk(host, port, "PING\r\n"))?.startsWith("+PONG") ?? false;
  },
  nats: async (env) => {
    const { host, port } = hostPort(env.NATS_URL, 4222);
    const info = await talk(host, port, null);
    if (!info?.startsWith("INFO ")) return false;
    return /"jetstream"\s*:\s*true/.test(info) ? true : "up without JetStream";
  },
};

async function status(env) {
  const out = {};
  for (const [name, probe] of Object.entries(probes)) out[name] = await probe(env);
  return out;
}

const missing = (s) => Object.keys(s).filter((k) => s[k] !== true);

async function waitFor(env, names, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    const s = await status(env);
    if (names.every((n) => s[n] === true)) return true;
    await sleep(250);
  }
  return false;
}

function dockerEngine() {
  return has("docker") && capture("docker", ["info"]).code === 0;
}

const APT = { postgres: "postgresql", redis: "redis-server", nats: "nats-server" };
const BIN = { postgres: "pg_ctlcluster", redis: "redis-server", nats: "nats-server" };

async function aptInstall(names) {
  const pkgs = names.filter((n) => !has(BIN[n])).map((n) => APT[n]);
  if (!pkgs.length) return true;
  if (!isRoot() || !has("apt-get")) {
    warn(`cannot install ${pkgs.join(", ")}: not root or no apt-get`);
    return false;
  }
  log(`apt-get install ${pkgs.join(" ")}`);
  await run("apt-get", ["update", "-qq"]);
  return (
    (await run("apt-get", ["install", "-y", "-qq", ...pkgs], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    })) === 0
  );
}

async function startLocal(name, env) {
  const dir = "/tmp/wa-services";
  mkdirSync(dir, { recursive: true });
  if (name === "postgres") {
    const versions = readdirSync("/etc/postgresql").toSorted();
    const v = versions.at(-1);
    if (!v) return warn("postgresql is installed but has no cluster");
    const hba = `/etc/postgresql/${v}/main/pg_hba.conf`;
    // Local development only: trust on loopback, like the CI machines.
    await run("sed", [
      "-i",
      "-E",
      "s/^(host\\s+all\\s+all\\s+(127\\.0\\.0\\.1\\/32|::1\\/128)\\s+)(scram-sha-256|md5)/\\1trust/",
      hba,
    ]);
    await run("pg_ctlcluster", ["--skip-systemctl-redirect", v, "main", "start"]);
  } else if (name === "redis") {
    const { port } = hostPort(env.REDIS_URL, 6379);
    await run("redis-server", [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--daemonize",
      "yes",
      "--save",
      "",
      "--appendonly",
      "no",
      "--logfile",
      `${dir}/redis.log`,
    ]);
  } else if (name === "nats") {
    const { port } = hostPort(env.NATS_URL, 4222);
    mkdirSync(`${dir}/nats-js`, { recursive: true });
    const sh = `nohup nats-server -a 127.0.0.1 -p ${port} -js -sd ${dir}/nats-js > ${dir}/nats.log 2>&1 &`;
    await run("sh", ["-c", sh]);
  }
}

/** Returns true when all three answer; logs what it did. */
export async function ensureServices(env, root) {
  let s = await status(env);
  const reused = Object.keys(s).filter((k) => s[k] === true);
  if (reused.length) log(`reusing running ${reused.join(", ")}`);
  if (s.nats === "up without JetStream") warn("NATS answers but JetStream is off: restart it with -js");
  let need = missing(s);
  if (!need.length) return true;

  if (dockerEngine()) {
    log(`starting ${need.join(", ")} with docker compose`);
    await run("docker", ["compose", "-f", `${root}/docker-compose.yml`, "up", "-d", "--wait", ...need], { cwd: root });
    if (await waitFor(env, need, 60)) return true;
    need = missing(await status(env));
  }
  if (await aptInstall(need)) {
    for (const name of need) {
      log(`starting local ${name}`);
      await startLocal(name, env);
    }
    if (await waitFor(env, need, 30)) return true;
  }
  s = await status(env);
  for (const name of missing(s)) warn(`${name} is not reachable (${s[name] || "no answer"}): start it and retry`);
  return missing(s).length === 0;
}
