// Runs a built image the way Docker would, with buildah (no Docker engine here): the image's own
// entrypoint, command, user, working directory and environment, a host directory as the /data volume,
// and the host's loopback (`--isolation chroot` shares the network). scripts/check-image.sh builds the
// image; test/image/*.check.ts drive it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The parts of the image's Docker config the checks use. */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Volumes?: Record<string, object> | null;
  ExposedPorts?: Record<string, object> | null;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  const { stdout } = await run('buildah', ['inspect', '--type', 'image', image], { maxBuffer: 64 << 20 });
  return (JSON.parse(stdout) as { Docker: { config: ImageConfig } }).Docker.config;
}

/** uid:gid of a path inside the image, as a new named volume would copy it. */
export async function ownerInImage(image: string, path: string): Promise<string> {
  const ctr = (await run('buildah', ['from', '--quiet', image])).stdout.trim();
  try {
    const { stdout } = await run('buildah', ['run', '--isolation', 'chroot', '--user', '0:0', ctr, '--', 'stat', '-c', '%u:%g', path]);
    return stdout.trim();
  } finally {
    await run('buildah', ['rm', ctr]);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One container of the image: `start()` runs its entrypoint + command, `exec()` runs beside it. */
export class Container {
  output = '';
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;

  private constructor(
    readonly id: string,
    private readonly config: ImageConfig,
    private readonly volume: { host: string; target: string },
    private readonly env: Record<string, string>,
  ) {}

  static async create(image: string, opts: { volume: { host: string; target: string }; env: Record<string, string> }): Promise<Container> {
    const config = await imageConfig(image);
    const id = (await run('buildah', ['from', '--quiet', image])).stdout.trim();
    // buildah mounts an anonymous volume over each VOLUME of the image, hiding a bind mount given with
    // -v; dropping the declaration from this working container (not the image) lets the host directory
    // stand in for a named volume, as `docker run -v name:/data` would mount it.
    await run('buildah', ['config', '--volume', `${opts.volume.target}-`, id]);
    return new Container(id, config, opts.volume, opts.env);
  }

  private runArgs(command: string[]): string[] {
    const env = Object.entries(this.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    return ['run', '--isolation', 'chroot', '--volume', `${this.volume.host}:${this.volume.target}`, ...env, this.id, '--', ...command];
  }

  /** `docker start`: the image's ENTRYPOINT followed by its CMD. */
  start(): void {
    const command = [...(this.config.Entrypoint ?? []), ...(this.config.Cmd ?? [])];
    const child = spawn('buildah', this.runArgs(command), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child = child;
  }

  /** Resolves when the started process has exited. */
  wait(): Promise<Exit> {
    if (!this.exited) throw new Error('container not started');
    return this.exited;
  }

  /** `docker exec`: a command in the same container (user, directory and environment of the image). */
  async exec(command: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('buildah', this.runArgs(command), (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** `HEALTHCHECK CMD …` (exec form) or `CMD-SHELL` (through /bin/sh), as Docker's health runner execs it. */
  async healthcheck(): Promise<number> {
    const test = this.config.Healthcheck?.Test ?? [];
    if (test[0] === 'CMD') return (await this.exec(test.slice(1))).code;
    if (test[0] === 'CMD-SHELL') return (await this.exec(['/bin/sh', '-c', test[1] ?? ''])).code;
    throw new Error(`the image has no HEALTHCHECK command (Test: ${JSON.stringify(test)})`);
  }

  /**
   * The host pid of the container's main process: the innermost descendant of `buildah run` whose
   * command line ends with the image's CMD (chroot isolation makes no pid namespace, so it is an ordinary host pid).
   */
  mainPid(): number {
    if (!this.child?.pid) throw new Error('container not started');
    const cmd = (this.config.Cmd ?? []).join('\0');
    const parents = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
        if (ppid) parents.set(Number(entry), Number(ppid));
      } catch {
        // The process ended while we looked.
      }
    }
    const ancestors = (pid: number): number[] => {
      const chain: number[] = [];
      for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) chain.push(p);
      return chain;
    };
    const matches = [...parents.keys()].filter((pid) => {
      if (!ancestors(pid).includes(this.child!.pid!)) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').endsWith(cmd);
      } catch {
        return false; // The process ended while we looked.
      }
    });
    // buildah's own helper (buildah-chroot-exec <command>) matches too: the process is the innermost.
    const innermost = matches.find((pid) => !matches.some((other) => ancestors(other).includes(pid)));
    if (innermost !== undefined) return innermost;
    throw new Error(`no process running ${JSON.stringify(this.config.Cmd)} under buildah pid ${this.child.pid}`);
  }

  /** `docker stop`'s first step: SIGTERM to the container's main process. */
  terminate(): void {
    process.kill(this.mainPid(), 'SIGTERM');
  }

  async remove(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      // Killing buildah alone could leave the container's process behind.
      try {
        process.kill(this.mainPid(), 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
      await this.exited;
    }
    await run('buildah', ['rm', this.id]).catch(() => undefined);
  }
}

/** Real uid of a host process (/proc/<pid>/status: Uid real effective saved fs). */
export function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no Uid line for pid ${pid}`);
  return Number(m[1]);
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 24 || bytes.toString('latin1', 1, 4) !== 'PNG' || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error(`not a PNG (${bytes.length} bytes)`);
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
