/**
 * Runs a Dockerfile without a Docker engine, honestly enough to catch a file the image needs that is not copied,
 * or a build step that is missing:
 *
 * - every stage gets a scratch folder as its root file system; image paths the Dockerfile uses (its WORKDIRs,
 *   absolute COPY destinations, VOLUMEs and cache-mount targets, e.g. /app) are mapped into it, in ENV values and
 *   in RUN command text alike;
 * - COPY from the build context copies only what .dockerignore lets through (moby's pattern rules: anchored at
 *   the context root, `**`, `!` exceptions, a match on a parent folder excludes what is inside), with Docker's
 *   source/destination rules (a folder's contents, a file into `dest/`, wildcards flatten);
 * - COPY --from copies from that stage's scratch root, symlinks kept verbatim (pnpm's node_modules is links);
 * - RUN runs with bash in the stage's WORKDIR, with the stage's ENV, `npm install --global` going into the
 *   stage's /usr/local (npm_config_prefix); `--mount=type=cache` maps to a cache folder that outlives the run;
 * - the base image `node:<major>-slim` is an empty root plus a Node.js of that major and npm on PATH;
 * - RUN steps get this machine's proxy and CA-certificate variables, as `docker build` passes proxies on.
 *
 * What cannot run here, and is therefore emulated (and printed as such into the build log):
 * - user and ownership changes: `chown`, `chgrp`, `useradd`, `groupadd`, `usermod`, `adduser`, `addgroup` are
 *   no-ops, `COPY --chown/--chmod` is recorded but not applied, and `USER` is recorded (the tests assert it is
 *   not root) while everything runs as the test's own user;
 * - OS packages: `apt-get`, `apt`, `apk` are no-ops (this project's image needs none; a Dockerfile that relied
 *   on one would then fail further on, which is the point).
 * Anything else the emulator does not understand (an instruction, a flag, a base image, a heredoc, another escape
 * character) is an error, never a silent pass.
 *
 * The Dockerfile is read with dockerfile-ast (the parser of the Docker language server): continuation lines,
 * comments and empty lines inside them, parser directives, flags; .dockerignore with @balena/dockerignore.
 * Docker's variable substitution and word splitting stay here, as the emulator's own steps.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { type Instruction as AstInstruction, DockerfileParser, ModifiableInstruction } from 'dockerfile-ast';
import { networkEnv, type Proc, runCommand, startProc } from './procs.js';

// ---------------------------------------------------------------------------------------------------- parsing

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  index: number;
  name?: string | undefined;
  from: string;
  fromLine: number;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  globalArgs: Instruction[];
  stages: Stage[];
}

// A CommonJS module whose types declare `export default`: at run time the default import is the function itself.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

const SUPPORTED = new Set([
  'FROM',
  'ARG',
  'ENV',
  'WORKDIR',
  'COPY',
  'RUN',
  'USER',
  'EXPOSE',
  'VOLUME',
  'HEALTHCHECK',
  'CMD',
  'ENTRYPOINT',
  'LABEL',
  'STOPSIGNAL',
]);

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  if (dockerfile.getEscapeCharacter() !== '\\') throw new Error(`the emulator does not support the escape directive (${dockerfile.getEscapeCharacter()})`);
  const instructions = dockerfile.getInstructions().map(toInstruction);
  const parsed: ParsedDockerfile = { globalArgs: [], stages: [] };
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(ins.args.trim());
      if (!m || ins.args.trim().startsWith('--')) throw new Error(`line ${ins.line}: unsupported FROM ${ins.args}`);
      parsed.stages.push({ index: parsed.stages.length, name: m[2]?.toLowerCase(), from: m[1] ?? '', fromLine: ins.line, instructions: [] });
    } else if (parsed.stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: only ARG may come before the first FROM`);
      parsed.globalArgs.push(ins);
    } else {
      parsed.stages[parsed.stages.length - 1]?.instructions.push(ins);
    }
  }
  if (parsed.stages.length === 0) throw new Error('no FROM in the Dockerfile');
  return parsed;
}

/**
 * dockerfile-ast has joined continuation lines and dropped comments; `args` is its arguments text with the
 * instruction's flags put back in front (`--mount=...`), as the emulator's steps read them.
 */
function toInstruction(ins: AstInstruction): Instruction {
  const keyword = ins.getKeyword().toUpperCase();
  const line = ins.getRange().start.line + 1;
  if (!SUPPORTED.has(keyword)) throw new Error(`line ${line}: the emulator does not support ${keyword}`);
  const flags = ins instanceof ModifiableInstruction ? ins.getFlags().map((f) => `--${f.getName()}${f.getValue() === null ? '' : `=${f.getValue()}`}`) : [];
  const content = ins.getArgumentsContent() ?? '';
  if (/^<<-?["']?[A-Za-z_]/.test(content)) throw new Error(`line ${line}: the emulator does not support heredocs (${keyword} <<...)`);
  return { keyword, args: [...flags, content].join(' ').trim(), line };
}

/** Leading `--flag=value` options of an instruction, and the rest. */
export function splitFlags(args: string): { flags: [string, string][]; rest: string } {
  const flags: [string, string][] = [];
  let rest = args.trim();
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags.push([m[1] ?? '', m[2] ?? '']);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/**
 * Exec form (a JSON array) or undefined for shell form. Read with JSON.parse, as Docker does, rather than with
 * dockerfile-ast's getJSONStrings: 0.7.1 drops the spaces inside a string (`CMD ["echo", "a b"]` gives "ab")
 * and cuts one with an escaped quote short.
 */
export function execForm(rest: string): string[] | undefined {
  const trimmed = rest.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // Docker treats an invalid JSON array as shell form; so do we
  }
  return undefined;
}

/** Docker's variable substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}; `\$` stays literal. */
export function substitute(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      if (all === '\\$') return '$';
      const name = braced ?? bare ?? '';
      const v = vars[name];
      if (op === '-') return v ? v : (word ?? '');
      if (op === '+') return v ? (word ?? '') : '';
      return v ?? '';
    },
  );
}

/** Splits words the way Docker does for ENV/LABEL/COPY: whitespace, with "double" and 'single' quotes. */
export function words(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** ENV/LABEL pairs: `k=v k2="v 2"` or the legacy `k v w`. */
export function keyValues(args: string): [string, string][] {
  const ws = words(args);
  if (ws.length > 0 && !(ws[0] ?? '').includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args.trim());
    return m ? [[m[1] ?? '', m[2] ?? '']] : [[ws[0] ?? '', '']];
  }
  return ws.map((w) => {
    const i = w.indexOf('=');
    if (i < 1) throw new Error(`cannot read ${JSON.stringify(w)} as key=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

// ---------------------------------------------------------------------------------------------- .dockerignore

/**
 * Docker's .dockerignore rules (moby/patternmatcher: anchored at the context root, `**`, `!` exceptions, a match
 * on a parent folder excludes what is inside), so the emulated context is the one `docker build` would send.
 * @balena/dockerignore is a port of Docker's own Go matcher, tested against `docker build`.
 */
export function dockerignoreMatcher(text: string): (relPath: string) => boolean {
  const rules = dockerignore({ ignorecase: false }).add(text);
  return (relPath: string) => rules.ignores(relPath);
}

/** Docker's wildcards in COPY sources (`*`, `?`, `[...]`; `**` as in .dockerignore). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += /[.+^${}()|\\/]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}

/** Every file and folder of the build context that .dockerignore lets through, relative, '/'-separated. */
export function contextEntries(contextDir: string): Set<string> {
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const ignoreText = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
  const excluded = dockerignoreMatcher(ignoreText);
  const hasExceptions = /^\s*!/m.test(ignoreText);
  const entries = new Set<string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(contextDir, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(contextDir, child));
      const out = excluded(child);
      if (!out) entries.add(child);
      if (st.isDirectory() && (!out || hasExceptions)) walk(child);
    }
  };
  walk('');
  return entries;
}

// ---------------------------------------------------------------------------------------------------- running

export interface EmulatorOptions {
  contextDir: string;
  /** Scratch folder for the stage roots and logs. */
  workDir: string;
  /** Node.js binaries by major version (the `node:<major>-slim` base image). */
  nodeBinary: (major: number) => Promise<string>;
  /** Where `RUN --mount=type=cache,id=X` keeps X between runs. */
  cacheDir: (id: string, target: string) => string;
  /** A previous build whose stages may be reused where nothing that went into them differs (a layer cache). */
  reuse?: Build | undefined;
  timeoutPerRunMs?: number;
}

export interface StageState {
  name?: string | undefined;
  key: string;
  root: string;
  env: Record<string, string>;
  workdir: string;
  user: string;
  cmd?: string[] | undefined;
  entrypoint?: string[] | undefined;
  healthcheck?: { options: Record<string, string>; cmd: string[] } | undefined;
  volumes: string[];
  exposed: string[];
  labels: Record<string, string>;
  nodeMajor: number;
  emuBin: string;
  reused: boolean;
}

export interface Build {
  stages: StageState[];
  final: StageState;
  logFile: string;
  /** Image path segments mapped into a stage root (e.g. `app`, `pnpm`). */
  segments: Set<string>;
  /** Skipped or emulated commands, as logged. */
  emulated: string[];
}

const SYSTEM_SEGMENTS = new Set([
  'usr',
  'bin',
  'sbin',
  'lib',
  'lib64',
  'etc',
  'tmp',
  'var',
  'dev',
  'proc',
  'sys',
  'run',
  'opt',
  'root',
  'home',
  'srv',
  'mnt',
  'media',
  'boot',
]);
const NODE_IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const EMULATED_COMMANDS = ['chown', 'chgrp', 'useradd', 'groupadd', 'usermod', 'adduser', 'addgroup', 'apt-get', 'apt', 'apk'];

export async function emulateBuild(dockerfileText: string, options: EmulatorOptions): Promise<Build> {
  const parsed = parseDockerfile(dockerfileText);
  mkdirSync(options.workDir, { recursive: true });
  const logFile = path.join(options.workDir, `build-${Date.now()}.log`);
  const log = (s: string) => appendFileSync(logFile, `${s}\n`);
  const context = contextEntries(options.contextDir);
  const segments = imageSegments(parsed);
  const emulated: string[] = [];

  const globalArgs: Record<string, string | undefined> = {};
  for (const ins of parsed.globalArgs) {
    const [name, def] = argDecl(ins.args);
    globalArgs[name] = def === undefined ? undefined : substitute(def, globalArgs);
  }

  const built: StageState[] = [];
  const byName = (ref: string): StageState | undefined => {
    const lower = ref.toLowerCase();
    return built.find((s) => s.name === lower) ?? (/^\d+$/.test(ref) ? built[Number(ref)] : undefined);
  };

  for (const stage of parsed.stages) {
    const from = substitute(stage.from, globalArgs);
    const parent = byName(from);
    const keyParts = [from, parent?.key ?? '', ...stage.instructions.map((i) => `${i.keyword} ${i.args}`)];
    for (const ins of stage.instructions) {
      const fromFlag = ins.keyword === 'COPY' ? splitFlags(ins.args).flags.find(([k]) => k === 'from')?.[1] : undefined;
      if (fromFlag) keyParts.push(byName(fromFlag)?.key ?? `image:${fromFlag}`);
    }
    const key = createHash('sha256')
      .update(keyParts.join('\n'))
      .update(contextFingerprint(options.contextDir, context, stage))
      .digest('hex')
      .slice(0, 16);
    const previous = options.reuse?.stages.find((s) => s.key === key && existsSync(s.root));
    if (previous) {
      log(`# stage ${stage.name ?? stage.index}: reused ${previous.root}`);
      built.push({ ...previous, name: stage.name, reused: true });
      continue;
    }

    const root = path.join(options.workDir, `stage-${stage.index}-${stage.name ?? 'unnamed'}-${key}`);
    rmSync(root, { recursive: true, force: true });
    let state: StageState;
    if (parent) {
      execFileSync('cp', ['-a', parent.root, root]);
      state = {
        ...parent,
        name: stage.name,
        key,
        root,
        env: { ...parent.env },
        volumes: [...parent.volumes],
        exposed: [...parent.exposed],
        labels: { ...parent.labels },
        reused: false,
      };
    } else {
      const m = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)(?:[.-][\w.-]*)?$/.exec(from);
      if (!m) throw new Error(`line ${stage.fromLine}: the emulator knows only the node:<major>-slim base images, not ${from}`);
      const major = Number(m[1]);
      for (const dir of ['usr/local/bin', 'usr/local/lib', 'root', 'home/node', 'tmp']) mkdirSync(path.join(root, dir), { recursive: true });
      const emuBin = await baseImageBin(options, major);
      state = {
        name: stage.name,
        key,
        root,
        env: { PATH: NODE_IMAGE_PATH, NODE_VERSION: String(major) },
        workdir: '/',
        user: 'root',
        volumes: [],
        exposed: [],
        labels: {},
        nodeMajor: major,
        emuBin,
        reused: false,
      };
    }
    log(`# stage ${stage.name ?? stage.index} FROM ${from} -> ${root}`);
    const args: Record<string, string | undefined> = {};

    for (const ins of stage.instructions) {
      const vars = { ...args, ...state.env };
      log(`# line ${ins.line}: ${ins.keyword} ${ins.args}`);
      switch (ins.keyword) {
        case 'ARG': {
          const [name, def] = argDecl(ins.args);
          args[name] =
            name in globalArgs
              ? (globalArgs[name] ?? (def === undefined ? undefined : substitute(def, vars)))
              : def === undefined
                ? undefined
                : substitute(def, vars);
          break;
        }
        case 'ENV':
          for (const [k, v] of keyValues(ins.args)) state.env[k] = substitute(v, { ...args, ...state.env });
          break;
        case 'LABEL':
          for (const [k, v] of keyValues(ins.args)) state.labels[k] = substitute(v, vars);
          break;
        case 'WORKDIR': {
          const dir = substitute(ins.args.trim(), vars);
          state.workdir = path.posix.resolve(state.workdir, dir);
          mkdirSync(hostPath(state, state.workdir, segments), { recursive: true });
          break;
        }
        case 'USER':
          state.user = substitute(ins.args.trim(), vars);
          break;
        case 'EXPOSE':
          state.exposed.push(...words(substitute(ins.args, vars)));
          break;
        case 'VOLUME': {
          const list = execForm(ins.args) ?? words(ins.args);
          for (const v of list) {
            const p = substitute(v, vars);
            state.volumes.push(p);
            mkdirSync(hostPath(state, p, segments), { recursive: true });
          }
          break;
        }
        case 'STOPSIGNAL':
          break;
        case 'CMD':
          state.cmd = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
          break;
        case 'ENTRYPOINT':
          state.entrypoint = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
          break;
        case 'HEALTHCHECK': {
          const { flags, rest } = splitFlags(ins.args);
          const m = /^CMD\s+([\s\S]*)$/i.exec(rest);
          if (!m) throw new Error(`line ${ins.line}: HEALTHCHECK must be CMD (NONE is not emulated)`);
          state.healthcheck = { options: Object.fromEntries(flags), cmd: execForm(m[1] ?? '') ?? ['/bin/sh', '-c', m[1] ?? ''] };
          break;
        }
        case 'COPY':
          copyStep(ins, state, vars, { context, contextDir: options.contextDir, byName, segments, log, emulated });
          break;
        case 'RUN':
          await runStep(ins, state, vars, { options, segments, log, logFile, emulated });
          break;
        default:
          throw new Error(`line ${ins.line}: ${ins.keyword} is not emulated`);
      }
    }
    built.push(state);
  }
  const final = built[built.length - 1];
  if (!final) throw new Error('no stage was built');
  return { stages: built, final, logFile, segments, emulated };
}

function argDecl(args: string): [string, string | undefined] {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=([\s\S]*))?$/.exec(args.trim());
  if (!m) throw new Error(`cannot read ARG ${args}`);
  const def = m[2];
  return [m[1] ?? '', def === undefined ? undefined : (words(def)[0] ?? '')];
}

/** The folders of the image file system the Dockerfile itself lays out; everything else is the host's. */
function imageSegments(parsed: ParsedDockerfile): Set<string> {
  const segs = new Set<string>();
  const add = (p: string, line: number) => {
    if (!p.startsWith('/')) return;
    const seg = p.split('/')[1];
    if (!seg || seg.includes('$')) return;
    if (SYSTEM_SEGMENTS.has(seg))
      throw new Error(`line ${line}: the emulator maps image folders onto scratch folders and cannot map /${seg}; use a folder such as /app`);
    segs.add(seg);
  };
  for (const stage of parsed.stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'WORKDIR') add(ins.args.trim(), ins.line);
      if (ins.keyword === 'VOLUME') for (const v of execForm(ins.args) ?? words(ins.args)) add(v, ins.line);
      if (ins.keyword === 'COPY') {
        const { rest } = splitFlags(ins.args);
        const list = execForm(rest) ?? words(rest);
        add(list[list.length - 1] ?? '', ins.line);
      }
      if (ins.keyword === 'RUN') {
        for (const [k, v] of splitFlags(ins.args).flags) if (k === 'mount') add(mountSpec(v).target ?? '', ins.line);
      }
    }
  }
  return segs;
}

function hostPath(state: StageState, imagePath: string, segments: Set<string>, mounts: Mount[] = []): string {
  const p = path.posix.resolve(state.workdir, imagePath);
  for (const m of mounts) if (p === m.target || p.startsWith(`${m.target}/`)) return path.join(m.dir, p.slice(m.target.length));
  const seg = p.split('/')[1] ?? '';
  if (p !== '/' && !segments.has(seg) && !['usr', 'root', 'home', 'tmp'].includes(seg)) {
    throw new Error(`${imagePath}: outside the folders this Dockerfile lays out (${[...segments].map((s) => `/${s}`).join(', ')})`);
  }
  return path.join(state.root, p);
}

interface Mount {
  target: string;
  dir: string;
}

function mountSpec(spec: string): { type?: string | undefined; id?: string | undefined; target?: string | undefined } {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
    else out[part] = 'true';
  }
  return { type: out.type, id: out.id, target: out.target ?? out.dst ?? out.destination };
}

/** The folders that hold the base image's Node.js and npm, and where `npm -g` may put its links. */
async function baseImageBin(options: EmulatorOptions, major: number): Promise<string> {
  const dir = path.join(options.workDir, `node-${major}-bin`);
  if (existsSync(path.join(dir, 'node'))) return dir;
  mkdirSync(dir, { recursive: true });
  const node = await options.nodeBinary(major);
  symlinkSync(node, path.join(dir, 'node'));
  const npmCli = realpathSync(execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npmRoot = path.resolve(path.dirname(npmCli), '..');
  for (const [name, script] of [
    ['npm', 'bin/npm-cli.js'],
    ['npx', 'bin/npx-cli.js'],
  ] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\nexec "${path.join(dir, 'node')}" "${path.join(npmRoot, script)}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** ENV values as the host sees them: image folders mapped into the stage root, /usr/local/bin into the base image's. */
export function hostEnv(state: StageState, segments: Set<string>, mounts: Mount[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(state.env)) {
    if (k === 'PATH') {
      env.PATH = v
        .split(':')
        .flatMap((p) => {
          if (p === '/usr/local/bin') return [path.join(state.root, 'usr/local/bin'), state.emuBin];
          if (p.startsWith('/') && segments.has(p.split('/')[1] ?? '')) return [hostPath(state, p, segments, mounts)];
          return [p];
        })
        .join(':');
    } else env[k] = mapText(v, state, segments, mounts);
  }
  return env;
}

/** Image paths inside text (RUN commands, ENV values) rewritten to their scratch folders. */
export function mapText(text: string, state: StageState, segments: Set<string>, mounts: Mount[] = []): string {
  const prefixes = [...mounts.map((m) => m.target), ...[...segments].map((s) => `/${s}`)].sort((a, b) => b.length - a.length);
  if (prefixes.length === 0) return text;
  const re = new RegExp(`(^|[\\s"'=:(,;])(${prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(?=$|[/\\s"';:),])`, 'g');
  return text.replace(re, (_all, lead: string, p: string) => `${lead}${hostPath(state, p, segments, mounts)}`);
}

function homeOf(state: StageState): string {
  return state.user === 'root' || state.user === '0' ? path.join(state.root, 'root') : path.join(state.root, 'home', state.user.split(':')[0] ?? 'node');
}

interface RunContext {
  options: EmulatorOptions;
  segments: Set<string>;
  log: (s: string) => void;
  logFile: string;
  emulated: string[];
}

async function runStep(ins: Instruction, state: StageState, _vars: Record<string, string | undefined>, ctx: RunContext): Promise<void> {
  const { flags, rest } = splitFlags(ins.args);
  const mounts: Mount[] = [];
  for (const [k, v] of flags) {
    if (k !== 'mount') throw new Error(`line ${ins.line}: RUN --${k} is not emulated`);
    const spec = mountSpec(v);
    if (spec.type !== 'cache' || !spec.target) throw new Error(`line ${ins.line}: only RUN --mount=type=cache,target=... is emulated`);
    const dir = ctx.options.cacheDir(spec.id ?? spec.target, spec.target);
    mkdirSync(dir, { recursive: true });
    mounts.push({ target: spec.target, dir });
  }
  if (execForm(rest)) throw new Error(`line ${ins.line}: exec-form RUN is not emulated (use the shell form)`);
  // The commands that cannot run here become shell functions that only say so (exported to nested bash too).
  const preamble = EMULATED_COMMANDS.map((c) => `${c}() { echo "[dockerfile-emulation] not run here: ${c} $*" >&2; }; export -f ${c}`).join('\n');
  const script = `${preamble}\n${mapText(rest, state, ctx.segments, mounts)}\n`;
  const home = homeOf(state);
  mkdirSync(home, { recursive: true });
  const env = {
    ...networkEnv(),
    ...hostEnv(state, ctx.segments, mounts),
    HOME: home,
    // npm install --global lands in the stage's /usr/local, as in the image.
    npm_config_prefix: path.join(state.root, 'usr/local'),
    npm_config_update_notifier: 'false',
    TMPDIR: path.join(state.root, 'tmp'),
  };
  const result = await runCommand('bash', ['-c', script], {
    cwd: hostPath(state, state.workdir, ctx.segments),
    env,
    timeoutMs: ctx.options.timeoutPerRunMs ?? 600_000,
  });
  ctx.log(result.stdout);
  ctx.log(result.stderr);
  for (const m of result.stderr.matchAll(/\[dockerfile-emulation\] not run here: (.*)/g)) ctx.emulated.push(`line ${ins.line}: ${m[1]}`);
  if (result.code !== 0) {
    throw new Error(
      `line ${ins.line}: RUN ${rest} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${tail(`${result.stdout}\n${result.stderr}`, 4000)}`,
    );
  }
}

interface CopyContext {
  context: Set<string>;
  contextDir: string;
  byName: (ref: string) => StageState | undefined;
  segments: Set<string>;
  log: (s: string) => void;
  emulated: string[];
}

function copyStep(ins: Instruction, state: StageState, vars: Record<string, string | undefined>, ctx: CopyContext): void {
  const { flags, rest } = splitFlags(ins.args);
  let fromStage: StageState | undefined;
  for (const [k, v] of flags) {
    if (k === 'from') {
      fromStage = ctx.byName(v);
      if (!fromStage) throw new Error(`line ${ins.line}: COPY --from=${v}: no such stage (copying from other images is not emulated)`);
    } else if (k === 'chown' || k === 'chmod') ctx.emulated.push(`line ${ins.line}: COPY --${k}=${v} (not applied)`);
    else if (k !== 'link') throw new Error(`line ${ins.line}: COPY --${k} is not emulated`);
  }
  const list = (execForm(rest) ?? words(rest)).map((w) => substitute(w, vars));
  if (list.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  const destRaw = list[list.length - 1] ?? '';
  const sources = list.slice(0, -1);
  const destIsDir = destRaw.endsWith('/') || sources.length > 1 || sources.some((s) => /[*?[]/.test(s));
  const dest = hostPath(state, destRaw, ctx.segments);

  const matches: { host: string; isDir: boolean; rel: string }[] = [];
  for (const src of sources) {
    if (fromStage) {
      const from = fromStage;
      const p = hostPath(from, path.posix.resolve('/', src), ctx.segments);
      if (!existsSync(p)) throw new Error(`line ${ins.line}: COPY --from=${from.name ?? '?'} ${src}: not found in that stage`);
      matches.push({ host: p, isDir: statSync(p).isDirectory(), rel: '' });
    } else {
      const clean = path.posix
        .normalize(src)
        .replace(/^\.?\/+/, '')
        .replace(/\/+$/, '');
      if (clean === '.' || clean === '') {
        matches.push({ host: ctx.contextDir, isDir: true, rel: '' });
        continue;
      }
      const re = globToRegExp(clean);
      const found = [...ctx.context].filter((e) => re.test(e));
      if (found.length === 0) throw new Error(`line ${ins.line}: COPY ${src}: not in the build context (missing, or excluded by .dockerignore)`);
      for (const f of found) matches.push({ host: path.join(ctx.contextDir, f), isDir: lstatSync(path.join(ctx.contextDir, f)).isDirectory(), rel: f });
    }
  }
  for (const m of matches) {
    if (m.isDir) {
      mkdirSync(dest, { recursive: true });
      if (fromStage) execFileSync('cp', ['-a', `${m.host}/.`, `${dest}/`]);
      else copyContextDir(ctx, m.rel, dest);
    } else {
      const target = destIsDir || (existsSync(dest) && statSync(dest).isDirectory()) ? path.join(dest, path.basename(m.host)) : dest;
      mkdirSync(path.dirname(target), { recursive: true });
      if (fromStage) execFileSync('cp', ['-a', m.host, target]);
      else cpSync(m.host, target, { verbatimSymlinks: true });
    }
  }
}

/** A context folder's contents, only the entries .dockerignore lets through. */
function copyContextDir(ctx: CopyContext, rel: string, dest: string): void {
  const prefix = rel ? `${rel}/` : '';
  for (const entry of ctx.context) {
    if (!entry.startsWith(prefix)) continue;
    const sub = entry.slice(prefix.length);
    const src = path.join(ctx.contextDir, entry);
    const target = path.join(dest, sub);
    const st = lstatSync(src);
    if (st.isDirectory()) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      if (st.isSymbolicLink()) {
        rmSync(target, { force: true });
        symlinkSync(readlinkSync(src), target);
      } else cpSync(src, target);
    }
  }
}

/**
 * A copy of the build context as `docker build` would send it (what .dockerignore lets through, and the
 * .dockerignore itself), so every build of one test run sees the same files even while the work tree changes.
 */
export function snapshotContext(contextDir: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  const ignore = path.join(contextDir, '.dockerignore');
  if (existsSync(ignore)) cpSync(ignore, path.join(dest, '.dockerignore'));
  copyContextDir({ context: contextEntries(contextDir), contextDir, byName: () => undefined, segments: new Set(), log: () => {}, emulated: [] }, '', dest);
}

/** What of the context a stage's COPY steps read (size and mtime), so a reused stage is never stale. */
function contextFingerprint(contextDir: string, context: Set<string>, stage: Stage): string {
  const hash = createHash('sha256');
  if (stage.instructions.some((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
    for (const e of [...context].sort()) {
      const st = lstatSync(path.join(contextDir, e));
      if (!st.isDirectory()) hash.update(`${e}:${st.size}:${st.mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

function tail(text: string, n: number): string {
  return text.length > n ? `...${text.slice(-n)}` : text;
}

// --------------------------------------------------------------------------------------------------- the image

export interface Container {
  proc: Proc;
  env: Record<string, string>;
  cwd: string;
  /** Runs an exec-form command inside the "container" (its env, WORKDIR, PATH). */
  exec: (argv: string[], timeoutMs?: number) => ReturnType<typeof runCommand>;
  stop: () => Promise<void>;
}

/**
 * Starts the final stage's ENTRYPOINT/CMD from its root, with the other stages' roots moved out of the way so
 * nothing can reach into them (a leaked absolute path would work here and not in the image otherwise).
 * `env` is what `docker run -e` would add.
 */
export function startContainer(build: Build, env: Record<string, string>, logDir: string): Container {
  const state = build.final;
  const parked: [string, string][] = [];
  for (const s of build.stages) {
    if (s.root === state.root || !existsSync(s.root)) continue;
    const to = `${s.root}.parked`;
    renameSync(s.root, to);
    parked.push([s.root, to]);
  }
  const unpark = () => {
    for (const [from, to] of parked.splice(0)) if (existsSync(to)) renameSync(to, from);
  };
  try {
    const home = homeOf(state);
    mkdirSync(home, { recursive: true });
    const runEnv: Record<string, string> = { ...hostEnv(state, build.segments), HOME: home, ...env };
    const cwd = hostPath(state, state.workdir, build.segments);
    const argv = [...(state.entrypoint ?? []), ...(state.cmd ?? [])];
    if (argv.length === 0) throw new Error('the image has neither ENTRYPOINT nor CMD');
    const resolve = (argv0: string) =>
      argv0.includes('/') ? (argv0.startsWith('/') ? hostPath(state, argv0, build.segments) : path.join(cwd, argv0)) : which(argv0, runEnv.PATH ?? '');
    const command = resolve(argv[0] ?? '');
    const proc = startProc('container', command, argv.slice(1), { cwd, env: runEnv, logDir });
    return {
      proc,
      env: runEnv,
      cwd,
      exec: (cmd, timeoutMs = 30_000) => runCommand(resolve(cmd[0] ?? ''), cmd.slice(1), { cwd, env: runEnv, timeoutMs }),
      stop: async () => {
        try {
          await proc.stop(20_000);
        } finally {
          unpark();
        }
      },
    };
  } catch (err) {
    unpark();
    throw err;
  }
}

export function which(name: string, pathValue: string): string {
  for (const dir of pathValue.split(':')) {
    const p = path.join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  throw new Error(`${name}: not found on the image's PATH (${pathValue})`);
}

/** Symlinks in `root` whose target resolves outside it (they would dangle in the image). */
export function escapingSymlinks(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        const target = path.resolve(path.dirname(p), readlinkSync(p));
        if (!target.startsWith(`${root}/`) && target !== root) out.push(`${path.relative(root, p)} -> ${readlinkSync(p)}`);
      } else if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}
