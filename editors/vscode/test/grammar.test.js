// The TextMate grammar on every spec and standard-library file: each lexeme that the
// language's own grammar (jumpdsl/syntax/jnet.lark) defines gets the scope it should, and
// nothing but whitespace is left without a scope. Run: npm test (python -m pytest runs it too).
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const LARK = fs.readFileSync(path.join(ROOT, "jumpdsl", "syntax", "jnet.lark"), "utf8");

// The keywords: every quoted word in jnet.lark, and the whole-word alternatives of the
// terminals that outrank names (SECTION.2: /(?:stem|learner|task)(?!…)/), as grammar.py reads them.
const KEYWORDS = new Set([
  ...[...LARK.matchAll(/"([a-z]+)"/g)].map((m) => m[1]),
  ...[...LARK.matchAll(/\/\(\?:([a-z|]+)\)\(\?!/g)].flatMap((m) => m[1].split("|")),
]);

// The terminals, with the regular expressions jnet.lark gives them.
function terminal(name) {
  const line = LARK.split("\n").find((l) => l.startsWith(name + ":") || l.startsWith(name + "."));
  assert.ok(line, `jnet.lark defines ${name}`);
  const sources = [...line.matchAll(/\/((?:[^/\\]|\\.)+)\//g)].map((m) => m[1]);
  return new RegExp(sources.map((s) => `(?:${s})`).join("|"), "y");
}
const LEXEMES = [
  ["comment", terminal("COMMENT")],
  ["string", terminal("STRING")],
  ["size", terminal("SIZE")],
  ["float", terminal("FLOAT")],
  ["int", terminal("INT")],
  ["name", terminal("NAME")],
];

// What each kind of lexeme must be scoped as.
const EXPECTED = {
  comment: ["comment.line"],
  string: ["string.quoted"],
  size: ["constant.numeric.size"],
  float: ["constant.numeric.float"],
  int: ["constant.numeric.integer"],
  keyword: ["keyword.", "storage.type."],
  constant: ["constant.language"],
};

function lex(line) {
  const out = [];
  let at = 0;
  while (at < line.length) {
    if (/\s/.test(line[at])) {
      at += 1;
      continue;
    }
    let found = null;
    for (const [kind, re] of LEXEMES) {
      re.lastIndex = at;
      const m = re.exec(line);
      if (m && m[0].length) {
        found = [kind, m[0]];
        break;
      }
    }
    if (found === null) found = ["punctuation", line[at]];
    let [kind, text] = found;
    if (kind === "name" && KEYWORDS.has(text)) kind = "keyword";
    if (kind === "name" && (text === "true" || text === "false")) kind = "constant";
    out.push({ kind, text, start: at });
    at += text.length;
  }
  return out;
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.jnet") return null;
      const file = path.join(__dirname, "..", "syntaxes", "jnet.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.jnet");
}

function files() {
  const dirs = ["specs", "jumpdsl/zoo", "jumpdsl/stdlib"].map((d) => path.join(ROOT, d));
  return dirs.flatMap((d) =>
    fs.readdirSync(d).filter((f) => f.endsWith(".jnet")).sort().map((f) => path.join(d, f)),
  );
}

function check(grammar, file) {
  const problems = [];
  const seen = new Set();
  let state = vsctm.INITIAL;
  fs.readFileSync(file, "utf8").split("\n").forEach((line, number) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const scopeAt = (index) => {
      const token = result.tokens.find((t) => t.startIndex <= index && index < t.endIndex);
      return token ? token.scopes : [];
    };
    for (const token of result.tokens) {
      const text = line.slice(token.startIndex, token.endIndex);
      if (text.trim() && token.scopes.length < 2) {
        problems.push(`${file}:${number + 1}: '${text}' has no scope`);
      }
    }
    for (const lexeme of lex(line)) {
      const scopes = scopeAt(lexeme.start);
      seen.add(lexeme.kind);
      const want = EXPECTED[lexeme.kind];
      if (want && !scopes.some((s) => want.some((w) => s.startsWith(w)))) {
        problems.push(
          `${file}:${number + 1}:${lexeme.start + 1}: ${lexeme.kind} '${lexeme.text}' is scoped ${scopes.join(" ")}`,
        );
      }
      if (lexeme.kind === "name" && scopes.some((s) => s.startsWith("keyword."))) {
        problems.push(`${file}:${number + 1}: the name '${lexeme.text}' is scoped as a keyword`);
      }
    }
  });
  return { problems, seen };
}

test("every spec, zoo and stdlib file is scoped", async () => {
  const grammar = await loadGrammar();
  const all = files();
  assert.ok(all.length >= 20, `found ${all.length} files`);
  const kinds = new Set();
  const problems = [];
  for (const file of all) {
    const result = check(grammar, file);
    problems.push(...result.problems);
    result.seen.forEach((k) => kinds.add(k));
  }
  assert.deepStrictEqual(problems, []);
  for (const kind of ["comment", "string", "size", "int", "float", "keyword", "constant", "name"]) {
    assert.ok(kinds.has(kind), `the files exercise ${kind}`);
  }
});

test("a known line gets the scopes it should", async () => {
  const grammar = await loadGrammar();
  const line = "network T { stem { conv(64, 3x3) } } # note";
  const tokens = grammar.tokenizeLine(line, vsctm.INITIAL).tokens;
  const scopeOf = (text) => {
    const start = line.indexOf(text);
    return tokens.find((t) => t.startIndex <= start && start < t.endIndex).scopes.join(" ");
  };
  assert.match(scopeOf("network"), /storage\.type\.network/);
  assert.match(scopeOf("stem"), /keyword\.other\.section/);
  assert.match(scopeOf("3x3"), /constant\.numeric\.size/);
  assert.match(scopeOf("64"), /constant\.numeric\.integer/);
  assert.match(scopeOf("conv"), /entity\.name\.function/);
  assert.match(scopeOf("# note"), /comment\.line/);
  // The oracle itself: a line lexed the way jnet.lark does.
  assert.deepStrictEqual(
    lex("skip add from x # c").map((l) => l.kind),
    ["keyword", "name", "keyword", "name", "comment"],
  );
});
