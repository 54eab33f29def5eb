// The subset of Compose's `.env` syntax that matters for COMPOSE_* keys: KEY=VALUE lines, `export `
// prefixes, single/double quotes, comments, and `${VAR}` in unquoted and double-quoted values (as compose-go's
// dotenv: `lookup` first — the environment, then earlier env files — then this file's earlier lines).
// Built-ins only (hot path).

export function parseDotenv(
  text: string,
  lookup: (name: string) => string | undefined = () => undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const known = (name: string) => lookup(name) ?? out[name];
    if (value.startsWith('"')) {
      let end = 1; // the closing quote is the first one not escaped by a backslash
      while (end < value.length && value[end] !== '"') end += value[end] === '\\' ? 2 : 1;
      value = interpolate(value.slice(1, end).replace(/\\n/g, '\n').replace(/\\"/g, '"'), known);
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      value = end === -1 ? value.slice(1) : value.slice(1, end);
    } else {
      value = interpolate(value.replace(/\s+#.*$/, '').trim(), known);
    }
    out[m[1]!] = value;
  }
  return out;
}

/**
 * Minimal Compose interpolation (the top-level `name:`, `.env` values): $VAR, ${VAR}, ${VAR:-def},
 * ${VAR-def}, $$. `vars`: the values, or a function that looks one up.
 */
export function interpolate(
  text: string,
  vars: Readonly<Record<string, string | undefined>> | ((name: string) => string | undefined),
): string {
  const get = typeof vars === 'function' ? vars : (name: string) => vars[name];
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all: string, braced?: string, op?: string, def?: string, bare?: string) => {
      if (all === '$$') return '$';
      const v = get((braced ?? bare)!);
      if (op === ':-') return v ? v : def!;
      if (op === '-') return v !== undefined ? v : def!;
      return v ?? '';
    },
  );
}
