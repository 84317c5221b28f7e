// POST /api/upload-file and GET /api/compilation-status: a fake compile that walks IDLE -> UNZIPPING -> COMPILING ->
// SUCCESS|FAILED in `coldMs` (first compile of this container) or `warmMs` (later ones, like a warm ccache), with
// compiler logs shaped like the real ones. It fails when an entry name of the uploaded zip contains "compile-error"
// (exit_code 1, the error in the logs), and when the upload is not a zip (no logs, exit_code null). A success loads
// the program into the PLC core and starts it.
import { createHash } from 'node:crypto';
import { zipEntry, zipEntryNames } from './zip.mjs';

const PLUGIN_CONFIGS = {
  modbus_slave: './core/src/drivers/plugins/python/modbus_slave/modbus_slave_config.json',
  modbus_master: './core/src/drivers/plugins/python/modbus_master/modbus_master.json',
  opcua: './core/src/drivers/plugins/python/opcua/opcua.json',
  s7comm: './core/src/drivers/plugins/native/s7comm/s7comm_config.json',
  ethercat: './core/src/drivers/plugins/native/ethercat/ethercat_config.json',
};
const PLUGINS = Object.keys(PLUGIN_CONFIGS);
const pluginPath = (p) => PLUGIN_CONFIGS[p];

function pluginPrelude() {
  return [
    "[DEBUG] update_plugin_configurations called with generated_dir='core/generated'",
    '[DEBUG] Looking for config files in: core/generated/conf',
    '[DEBUG] Loaded 5 plugins from plugins.conf',
    ...PLUGINS.map((p) => `[DEBUG] Initial state - ${p}: enabled=False, config_path='${pluginPath(p)}'`),
    '[INFO] No conf directory found in core/generated, disabling all plugins',
    '[INFO] Found 0 config files (no conf directory): []',
    '[INFO] Plugin configuration update complete. 0 plugins updated.',
    ...PLUGINS.map((p) => `[DEBUG] Final state - ${p}: enabled=False, config_path='${pluginPath(p)}'`),
    '[INFO] Plugin summary: 0/5 enabled (3 Python, 2 Native)',
    '[WARNING] Plugin validation issues found:',
    "[WARNING] Plugin 'ethercat': Path does not exist: ./build/plugins/libethercat_plugin.so",
  ];
}

const GXX = '/usr/bin/ccache g++ -std=c++17 -O1 -pipe -fPIC -Wall -DSTRUCPP_THREADED -MMD -MP -Wno-unknown-pragmas -Wno-deprecated-declarations -I core/generated -I core/generated/strucpp_runtime/include -I core/src/plc_app/include';

function compileLines(source) {
  const base = source.split('/').pop();
  const object = base.replace(/\.cpp$/, '.o');
  return [`[INFO] Compiling core/generated/${base}...`, `${GXX} -include iec_python.h -c core/generated/${base} -o build/${object}`];
}

/**
 * The md5 the debug interface reports for a bundle: the `md5` field of its debug-map.json (the compiler writes the
 * same md5 the runtime answers), the md5 of that file's bytes when it has no such field, null without the file.
 */
export function debugMapMd5(zip, names) {
  const candidates = names.filter((n) => n === 'debug-map.json' || n.endsWith('/debug-map.json'));
  const name = candidates.sort((a, b) => a.length - b.length)[0];
  const bytes = name === undefined ? null : zipEntry(zip, name);
  if (!bytes) return null;
  try {
    const md5 = JSON.parse(bytes.toString('utf8'))?.md5;
    if (typeof md5 === 'string' && /^[0-9a-f]{32}$/i.test(md5)) return md5.toLowerCase();
  } catch {
    // not JSON: fall back to the file's own md5
  }
  return createHash('md5').update(bytes).digest('hex');
}

export function createCompiler({ state, plc, coldMs, warmMs, log }) {
  let status = 'IDLE';
  let logs = [];
  let exitCode = null;
  const busy = () => status === 'UNZIPPING' || status === 'COMPILING';
  const lines = (...more) => logs.push(...more.map((l) => `${l}\n`));

  function finish(ok, program, sources, failing) {
    if (!ok) {
      lines(
        `core/generated/${failing}: In function 'void PROGRAM0_body__(PROGRAM0*)':`,
        `core/generated/${failing}:12:5: error: 'UNDEFINED_SYMBOL' was not declared in this scope`,
        '[ERROR] Compilation failed',
      );
      status = 'FAILED';
      exitCode = 1;
      log(`compile failed (${failing})`);
      return;
    }
    for (const s of sources.slice(1)) lines(...compileLines(s));
    const objects = sources.map((s) => `build/${s.split('/').pop().replace(/\.cpp$/, '.o')}`).join(' ');
    lines(
      `g++ -shared -fPIC -o build/new_libplc.so ${objects} -lpthread -lrt`,
      '[INFO] Build complete: build/new_libplc.so',
      '[INFO] Build finished successfully',
      '[INFO] Cleanup finished successfully',
      ...pluginPrelude(),
    );
    status = 'SUCCESS';
    exitCode = 0;
    log(`compile ok (${program.sha256.slice(0, 12)})`);
    plc.load(program);
  }

  function compile(file) {
    const ms = state.data.compiled_once ? warmMs : coldMs;
    state.data.compiled_once = true;
    state.save();
    status = 'UNZIPPING';
    logs = [];
    exitCode = null;
    setTimeout(() => {
      const names = zipEntryNames(file.data);
      if (!names) {
        status = 'FAILED';
        log('upload is not a zip archive');
        return;
      }
      const sources = names.filter((n) => n.endsWith('.cpp'));
      if (sources.length === 0) sources.push('configuration.cpp');
      const failing = names.find((n) => n.includes('compile-error'));
      status = 'COMPILING';
      lines(...pluginPrelude(), '[INFO] Starting compilation', ...compileLines(sources[0]));
      const program = {
        filename: file.filename,
        size: file.data.length,
        sha256: createHash('sha256').update(file.data).digest('hex'),
        debug_md5: debugMapMd5(file.data, names),
      };
      setTimeout(() => finish(!failing, program, sources, failing), Math.round(ms * 0.9));
    }, Math.round(ms * 0.1));
  }

  return {
    /** The upload answer: `{CompilationStatus, UploadFileFail}`. */
    upload(file) {
      if (busy()) return { CompilationStatus: 'COMPILING', UploadFileFail: 'Runtime is compiling another program, please wait' };
      if (!file) {
        status = 'FAILED';
        logs = [];
        exitCode = null;
        return { CompilationStatus: 'FAILED', UploadFileFail: 'No file part in the request' };
      }
      compile(file);
      return { CompilationStatus: 'COMPILING', UploadFileFail: '' };
    },
    statusBody: () => ({ exit_code: exitCode, logs: [...logs], status }),
  };
}
