// The HOME an agent CLI runs in against our scripted model server, offline, nothing of the user's
// touched: the config files each CLI reads to find the server, and its environment. A `floor`
// home has the CLI's first-run dialogs already accepted for one work dir (the bench's baseline:
// the same CLI with nothing left to answer). No test framework here: the benches use it too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENCODE } from './agent-cli.js';

/** The variable a provider's bearer token is read from (no sign-in screen). */
export const KEY_VAR = 'GT_SCRIPTED_MODEL_KEY';

export const API_KEYS = {
  codex: 'sk-test-codex-0123456789abcdefghijklmnopqrstuvwxyz',
  gemini: 'AIzaScripted-0123456789abcdefghijklmnopqrs',
  pi: 'sk-test-pi-0123456789abcdefghijklmnopqrstuvwxyz',
  opencode: 'sk-test-opencode-0123456789abcdefghijklmnopqrstuvwxyz',
} as const;

export type HomeRuntime = keyof typeof API_KEYS;

export interface HomeOptions {
  /** Codex's own retries of a failed request; Gemini CLI's tries (general.maxAttempts). */
  retries?: number;
  /** Gemini CLI: a model of its own instead of "Auto" (no router request before each prompt). */
  model?: string;
  /** The work dir whose first-run dialogs are accepted already (the floor). */
  trusted?: string;
}

/**
 * Codex's config: the scripted server as its model provider (Responses API), approvals and
 * sandbox off, no update check. Folder trust is left for gastown-ts to answer unless `trusted`.
 */
export function codexConfig(serverUrl: string, retries: number, trusted?: string): string {
  return [
    'model = "scripted-model"',
    'model_provider = "scripted"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.scripted]',
    'name = "Scripted"',
    `base_url = ${JSON.stringify(`${serverUrl}/v1`)}`,
    'wire_api = "responses"',
    `env_key = "${KEY_VAR}"`,
    `request_max_retries = ${retries}`,
    `stream_max_retries = ${retries}`,
    '',
    ...(trusted === undefined
      ? []
      : [`[projects.${JSON.stringify(trusted)}]`, 'trust_level = "trusted"', '']),
  ].join('\n');
}

/**
 * The user's ~/.gemini/settings.json: signed in with an API key (else it asks how to sign in),
 * nothing sent anywhere but the model's requests. Folder trust stays on unless `floor`.
 */
export function geminiUserSettings(
  attempts?: number,
  model?: string,
  floor = false,
): Record<string, unknown> {
  return {
    ...(model === undefined ? {} : { model: { name: model } }),
    security: {
      auth: { selectedType: 'gemini-api-key' },
      ...(floor ? { folderTrust: { enabled: false } } : {}),
    },
    general: {
      enableAutoUpdate: false,
      enableAutoUpdateNotification: false,
      ...(attempts === undefined ? {} : { maxAttempts: attempts }),
    },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
  };
}

/** Pi's models.json: the scripted server as a chat-completions provider. */
export function piModels(serverUrl: string): unknown {
  return {
    providers: {
      scripted: {
        baseUrl: `${serverUrl}/v1`,
        api: 'openai-completions',
        apiKey: KEY_VAR,
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [
          { id: 'scripted-model', name: 'Scripted Model', contextWindow: 128000, maxTokens: 4096 },
        ],
      },
    },
  };
}

/**
 * Pi's settings: the scripted model by default, no install ping, and the OpenAI client's own
 * silent retries off (it would wait out a retry-after of 30 s twice behind "Working..."), so each
 * failed call shows on screen; Pi's own retries (three, 2 s apart and doubling) stay as shipped.
 */
export const PI_SETTINGS = {
  defaultProvider: 'scripted',
  defaultModel: 'scripted-model',
  enableInstallTelemetry: false,
  retry: { provider: { maxRetries: 0 } },
};

/** OpenCode's config: the scripted server through the bundled OpenAI-compatible provider. */
export function openCodeConfig(serverUrl: string): unknown {
  return {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    model: 'scripted/scripted-model',
    small_model: 'scripted/scripted-model',
    provider: {
      scripted: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Scripted',
        options: { baseURL: `${serverUrl}/v1`, apiKey: `{env:${KEY_VAR}}` },
        models: {
          'scripted-model': { name: 'Scripted Model', limit: { context: 128000, output: 4096 } },
        },
      },
    },
  };
}

/**
 * Offline switches: no models.dev catalogue, no LSP downloads, no default plugins (they fetch
 * their own packages), no sharing.
 */
export const OPENCODE_OFFLINE_ENV = {
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
  OPENCODE_DISABLE_SHARE: '1',
};

/**
 * ~/.config/opencode as OpenCode wants it offline: the config, and an empty node_modules with a
 * lock naming @opencode-ai/plugin, else it runs npm there in the background at each start.
 */
export function writeOpenCodeConfigDir(home: string, serverUrl: string, cli = OPENCODE): void {
  const dir = join(home, '.config', 'opencode');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'opencode.json'), JSON.stringify(openCodeConfig(serverUrl)));
  const deps = { '@opencode-ai/plugin': cli.version };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: deps }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: deps } } }),
  );
}

/**
 * Writes the CLI's config under `base`/home (and a TMPDIR beside it) and returns the environment
 * it runs with. Rewriting it over an earlier one forgets every trust given since (a new user).
 */
export function writeRuntimeHome(
  runtime: HomeRuntime,
  base: string,
  serverUrl: string,
  opts: HomeOptions = {},
): Record<string, string> {
  const home = join(base, 'home');
  const tmp = join(base, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const common = { HOME: home, [KEY_VAR]: API_KEYS[runtime] };
  switch (runtime) {
    case 'codex': {
      const codexHome = join(home, '.codex');
      mkdirSync(codexHome, { recursive: true });
      const config = codexConfig(serverUrl, opts.retries ?? 0, opts.trusted);
      writeFileSync(join(codexHome, 'config.toml'), config);
      return { ...common, CODEX_HOME: codexHome };
    }
    case 'gemini': {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      const settings = geminiUserSettings(opts.retries, opts.model, opts.trusted !== undefined);
      writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify(settings));
      // COLORTERM: without it Gemini CLI warns that the terminal lacks true colour. TMPDIR: where
      // it writes a report of each failed request.
      return {
        HOME: home,
        GEMINI_API_KEY: API_KEYS.gemini,
        GOOGLE_GEMINI_BASE_URL: serverUrl,
        COLORTERM: 'truecolor',
        TMPDIR: tmp,
      };
    }
    case 'pi': {
      const agentDir = join(home, '.pi', 'agent');
      mkdirSync(agentDir, { recursive: true });
      writeFileSync(join(agentDir, 'models.json'), JSON.stringify(piModels(serverUrl)));
      writeFileSync(join(agentDir, 'settings.json'), JSON.stringify(PI_SETTINGS));
      // PI_OFFLINE: no attempt to fetch fd and ripgrep from GitHub. TMPDIR: where Pi compiles
      // its extensions (jiti).
      return { ...common, TMPDIR: tmp, PI_OFFLINE: '1' };
    }
    case 'opencode':
      writeOpenCodeConfigDir(home, serverUrl);
      return { ...common, TMPDIR: tmp, ...OPENCODE_OFFLINE_ENV };
  }
}

/** The arguments each pinned CLI is started with (after its binary). */
export const RUNTIME_ARGS: Record<HomeRuntime, readonly string[]> = {
  codex: ['--no-daemon', '--dangerously-bypass-approvals-and-sandbox'],
  gemini: ['--yolo'],
  pi: [],
  opencode: ['--auto'],
};
