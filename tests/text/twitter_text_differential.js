// Differential test of Starling's entity extraction against the reference
// JavaScript implementation, the npm package `twitter-text` (3.1.0).
//
// Generates a seeded, deterministic set of adversarial texts (mixed scripts,
// punctuation, full-width signs, ZWJ/ZWNJ, directional marks, emoji, entity-like
// runs, URLs of every shape, and the conformance suite's texts, mutated and
// concatenated), runs `starling normalize --text --indices` on them and
// twitter-text's extractHashtagsWithIndices, extractMentionsOrListsWithIndices,
// extractUrlsWithIndices and extractCashtagsWithIndices, and compares values and
// indices (in UTF-16 code units, the unit twitter-text reports; Starling's code-point
// offsets are converted). Prints the agreement per kind; exits 1 on any disagreement.
//
// Usage: node twitter_text_differential.js --starling BIN --twitter-text DIR
//          --data SHARED_DATA_DIR [--count N] [--seed S] [--dump FILE] [--show N]
//          [--sweep no]
// DIR is the folder whose node_modules holds twitter-text.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const args = {count: 24000, seed: 12, show: 8, sweep: 'yes'};
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${argv[i]}`);
    args[key] = ['count', 'seed', 'show'].includes(key) ? Number(value) : value;
  }
  for (const required of ['starling', 'twitter-text', 'data']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  return args;
}

// ------------------------------------------------------------------ generator

// mulberry32: small, seeded, the same sequence on every platform.
function makeRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const chance = (p) => next() < p;
  return {next, int, pick, chance};
}

const WORDS = {
  latin: ['hello', 'World', 'foo', 'bar', 'naïve', 'café', 'Straße', 'ÉCOLE', 'über', 'año',
          'test', 't', 'a', 'x_y', 'ABC', 'rt', 'RT', 'co', 'com', 'jp', 'http', 'www', 'ɵ',
          'ʌ', 'Ø', 'ǅ', 'ß', 'ﬁ', 'ſ', 'İ', 'ı'],
  cjk: ['日本語', '中文', '漢字', '東京', '测试', '香港', '中国', '大拿', '谷歌', '〆', '々'],
  arabic: ['مرحبا', 'العربية', 'سلام', 'بيتك', 'عرب', 'شبكة', 'ـ', 'ٱ'],
  hebrew: ['שלום', 'עברית', 'קום', 'צה״ל', 'ב׳', 'כ־'],
  cyrillic: ['привет', 'Москва', 'РФ', 'рф', 'онлайн', 'дети', 'ӂ', 'Ѐ', 'ᲀ'],
  greek: ['ελληνικά', 'ΕΛ', 'ευ', 'ι', 'Ι', 'ͅ', 'ϵ'],
  thai: ['สวัสดี', 'ภาษาไทย', 'ไทย', 'คอม', '๑๒๓', 'ๆ'],
  devanagari: ['नमस्ते', 'हिन्दी', 'भारत', 'कॉम', '०१२', 'क्ष'],
  hangul: ['안녕하세요', '한국어', '닷컴', '삼성', 'ㄱ', 'ﾡ'],
  kana: ['こんにちは', 'カタカナ', 'ｶﾀｶﾅ', 'ポイント', 'みんな', 'ー', '・', '゛', 'ゝ', '゠'],
  other: ['٠١٢', '１２３', 'ＡＢＣ', 'ａｂｃ', '123', '0', '_', '__', 'ა', 'Ა', 'ᎠᏍ', 'ꙋ'],
};
const SCRIPTS = Object.keys(WORDS);
const PUNCT_ASCII = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
const PUNCT_UNICODE = ['、', '。', '．', '｡', '「', '」', '（', '）', '…', '—', '–', '・', '¡', '¿', '«',
                       '»', '“', '”', '‘', '’', '•', '·', '〜', '～', '〃', '※', '★', '¦', '§'];
const SPACES = [' ', ' ', ' ', '  ', '\t', '\u00A0', '\u3000', '\u2002', '\u2009', '\u200A',
                '\u202F', '\u205F', '\u1680', '\u180E', '\u0085', '\u000B', '\u000C', '\u2028'];
const INVISIBLE = ['\u200B', '\u200C', '\u200D', '\uFEFF', '\u200E', '\u200F', '\u202A', '\u202B',
                   '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u061C',
                   '\uFE0E', '\uFE0F', '\u20E3', '\u00AD', '\u2060', '\u0301', '\u0308', '\uFFFE',
                   '\uFFFF', '\u0001', '\u007F'];
const EMOJI = ['😀', '👍', '👍🏽', '❤️', '❤', '👨‍👩‍👧', '🏳️‍🌈', '🇯🇵', '#️⃣', '1️⃣', '✌', '✌️', '☺',
               '🙂', '🤷‍♀️', '©', '®', '™', '𝐀𝐁', '𠀀', '𐐀', '𝟘', '🄰', '𝔘𝔫𝔦', '🔥🔥'];
const SIGN_HASH = ['#', '#', '#', '＃', '##', '#＃', '＃#'];
const SIGN_AT = ['@', '@', '@', '＠', '@@', '＠@', '@＠'];
const SIGN_DOLLAR = ['$', '$', '$', '＄', '$$'];
const TLDS = ['com', 'com', 'org', 'net', 'jp', 'co', 'de', 'io', 'uk', 'ly', 'me', 'tv', 'info',
              'COM', 'Jp', 'xyz', 'onion', 'museum', 'travel', 'рф', 'РФ', 'рус', 'онлайн', '中国',
              '中國', 'コム', 'みんな', '닷컴', '한국', 'คอม', 'ไทย', 'भारत', 'عرب', 'ελ', 'ΕΛ',
              'xn--p1ai', 'XN--FIQS8S', 'amazon', 'music', 'an', 'bl', 'duck', 'foo', 'bar1', 'c0m',
              'a', 'local', 'example', 'zippo', 'zip', 'company', 'comcast', '嘉里大酒店', '嘉里'];
const LABELS = ['example', 'twitter', 'www', 'a', 'x1', 'a-b', 'a_b', '-a', 'a-', '_a', 'sub', 'b',
                'foo', '123', 'münchen', 'bücher', 'café', '例え', 'правительство', '한국',
                'ドメイン', 'xn--fsqu00a', 'xn--80ak6aa92e', 'xn--', 'ñ', 'e\u0301', 'ɵ', 'ι',
                'a\u200Db', 'a😀', '😀', '日本', 'Ελλάδα', 'ท', 'a"b', 'a`b', 'ab\u00AD',
                'averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylonglabel'];
const PATHS = ['/', '/a/b', '/wiki/Foo_(bar)', '/a(b(c)d)e', '/(', '/a)', '/@user/', '/@user',
               '/%E2%82%AC', '/путь', '/café', '/a.b.', '/a–b', '/a~b|c', '/a,b', '/a;b', '/a!',
               '/a*', '/a=', '/a+', '/a#b', "/a'", '/a$b', '/a[1]', '/a&b', '/日本', '/a\u0301',
               '/S(dfd346)/', '/track/We_Up_(Album_Version_(Edited))/', '/a(b)', '/(a)(b)', '/ɵʌ'];
const QUERIES = ['?a=1&b=2', '?q=日本', '?a=(b)', '?', '?a.', '?a=b!', '?x=1#frag', "?a='b'",
                 '?a=%20', '?@x', '?a|b', '?a=[1]'];
const TRAILING = ['.', ',', ')', '!', '?', ':', ';', "'", '"', '…', '。', '」', '-', '_', '/', '#',
                  '@', '$', '(', ']', '>', '*', '~', 'é', 'ж', '中', '+'];
const PROTOCOLS = ['', '', '', 'http://', 'https://', 'HTTP://', 'Https://', 'ftp://', 'http:/',
                   '//', 'www.', 'hxxp://', 'https://www.'];
const MENTION_PREFIX = ['', '', '', 'RT', 'rt', 'RT:', 'rt:', 'Rt ', 'x', '_', '!', '#', '$', '%',
                        '&', '*', '+', '~', '.', '-', 'é', '日', 'ＲＴ', 'a.rt', 'a_rt', 'RT @a '];
const MENTION_SUFFIX = ['', '', '', '://', 'é', '@', 'ñ', '.', '/', '/x', '-', ':', 'ʻ', '\u0300'];

function makeGenerator(rnd) {
  const word = () => rnd.pick(WORDS[rnd.pick(SCRIPTS)]);
  const repeat = (s, n) => new Array(n + 1).join(s);
  const asciiRun = (alphabet, min, max) => {
    let s = '';
    const n = min + rnd.int(max - min + 1);
    for (let i = 0; i < n; ++i) s += alphabet[rnd.int(alphabet.length)];
    return s;
  };
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const nameChars = letters + '0123456789_';

  const hashtag = () => {
    const bodies = [word, () => asciiRun(nameChars, 1, 12), () => String(rnd.int(1000)),
                    () => '_' + word(), () => word() + '_' + word(), () => word() + word(),
                    () => rnd.pick(['a\u200Db', 'a\u200Cb', 'ab\uFE0F', '\uFE0F', '\u20E3', 'Ａ',
                                    'a・b', 'a·b', 'a-b', "a'b", 'a.b', 'tag#tag', 'tag://x',
                                    'tag.com', '1a', 'ゝ', '〜', 'a〃', 'a゠b', '་', '꙾']),
                    () => word() + rnd.pick(INVISIBLE) + word(), () => word() + rnd.pick(EMOJI)];
    return rnd.pick(SIGN_HASH) + rnd.pick(bodies)();
  };
  const mention = () => {
    let s = rnd.pick(MENTION_PREFIX) + rnd.pick(SIGN_AT);
    s += rnd.chance(0.9) ? asciiRun(nameChars, 1, 24) : word();
    if (rnd.chance(0.25)) s += '/' + rnd.pick([asciiRun(letters, 1, 1), '1']) + asciiRun(nameChars + '-', 0, 28);
    return s + rnd.pick(MENTION_SUFFIX);
  };
  const cashtag = () => {
    let s = rnd.pick(SIGN_DOLLAR);
    s += rnd.chance(0.9) ? asciiRun(letters, 1, 8) : rnd.pick(['1', '12.5', 'ɵ', 'Ａ', word()]);
    if (rnd.chance(0.35)) s += rnd.pick(['.', '_', '-']) + asciiRun(letters, 0, 3);
    if (rnd.chance(0.2)) s += rnd.pick(['1', 'é', '日', '"', '`']);
    return s;
  };
  const domain = () => {
    let s = '';
    const labels = rnd.int(3);
    for (let i = 0; i < labels; ++i) s += rnd.pick(LABELS) + '.';
    s += rnd.chance(0.8) ? rnd.pick(LABELS) : word();
    return s + rnd.pick(['.', '.', '.', '.', '。', '．']) + rnd.pick(TLDS);
  };
  const url = () => {
    if (rnd.chance(0.1)) {  // t.co links, slugs up to 45 characters
      return rnd.pick(['https://', 'http://', 'HTTPS://', '']) + rnd.pick(['t.co', 'T.CO', 't.co']) + '/' +
             asciiRun(nameChars, 0, 45) + (rnd.chance(0.3) ? rnd.pick(QUERIES) : '') +
             (rnd.chance(0.3) ? rnd.pick(PATHS) : '');
    }
    if (rnd.chance(0.05)) {
      return rnd.pick(['user@example.com', 'a.b@c.jp', '192.168.0.1', '1.2.3.4.com', 'http://1.2.3.4/',
                       'example.com@foo.com', 'http://user:pass@example.com/', 'mailto:a@b.co',
                       'http://localhost:8080/', 'https://example.com:/a', 'example.com:80',
                       'http://example.com:port/', 'http://-a.com', 'http://a-.com', 'a..com']);
    }
    let s = rnd.pick(PROTOCOLS) + domain();
    if (rnd.chance(0.15)) s += rnd.pick([':8080', ':1', ':', ':abc', ':0']);
    if (rnd.chance(0.45)) s += rnd.pick(PATHS) + (rnd.chance(0.3) ? rnd.pick(PATHS).slice(1) : '');
    if (rnd.chance(0.25)) s += rnd.pick(QUERIES);
    if (rnd.chance(0.35)) s += rnd.pick(TRAILING);
    if (rnd.chance(0.1)) s = rnd.pick(['(', '"', '「', '<', '[', '\u202B']) + s + rnd.pick([')', '"', '」', '>', ']', '\u202C']);
    return s;
  };
  const separator = () => {
    const r = rnd.next();
    if (r < 0.35) return '';
    if (r < 0.75) return ' ';
    if (r < 0.85) return rnd.pick(SPACES);
    if (r < 0.93) return rnd.pick(PUNCT_ASCII);
    if (r < 0.97) return rnd.pick(PUNCT_UNICODE);
    return rnd.pick(INVISIBLE);
  };
  const token = () => {
    const r = rnd.next();
    if (r < 0.18) return hashtag();
    if (r < 0.33) return mention();
    if (r < 0.45) return cashtag();
    if (r < 0.65) return url();
    if (r < 0.83) return word();
    if (r < 0.88) return rnd.pick(EMOJI);
    if (r < 0.93) return rnd.pick(PUNCT_ASCII) + rnd.pick(PUNCT_ASCII);
    if (r < 0.96) return rnd.pick(PUNCT_UNICODE);
    return rnd.pick(INVISIBLE);
  };
  const composed = () => {
    const n = 1 + rnd.int(9);
    let s = '';
    for (let i = 0; i < n; ++i) s += (i ? separator() : '') + token();
    return s;
  };
  const long = () => {  // URL length and label length limits (4096, 63, 40-character t.co slugs)
    const k = rnd.int(4);
    if (k === 0) return 'https://example.com/' + repeat('a', 4060 + rnd.int(40));
    if (k === 1) return 'see example.com/' + repeat('b', 4060 + rnd.int(40)) + ' ok';
    if (k === 2) return 'http://' + repeat('x', 60 + rnd.int(8)) + '.com/ ' + repeat('ü', 55 + rnd.int(12)) + '.de';
    return '#' + repeat('長', 200) + ' @' + repeat('u', 30) + ' $' + repeat('Z', 7);
  };
  return {composed, long, token, separator, word};
}

// Texts of the conformance suite: every `text: "..."` line of the yml files
// (YAML double-quoted scalars: \uXXXX, \UXXXXXXXX, \xXX, \n, \t, \", \\).
function conformanceTexts(dataDir) {
  const texts = [];
  for (const file of ['extract.yml', 'autolink.yml', 'validate.yml', 'hit_highlighting.yml', 'tlds.yml']) {
    const p = path.join(dataDir, 'twitter-text', file);
    if (!fs.existsSync(p)) throw new Error(`conformance file not found: ${p}`);
    for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
      const m = /^\s*(?:-\s*)?text:\s*"(.*)"\s*$/.exec(line);
      if (!m) continue;
      texts.push(m[1].replace(/\\(U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|.)/g, (all, e) => {
        if (/^[Uux]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
        return {n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', '\\': '\\', '/': '/', ' ': ' '}[e] ?? e;
      }));
    }
  }
  return texts;
}

// Mutations of a conformance text: insert, delete, replace one code point, or
// put a sign, a script or an invisible character next to its entities.
function mutate(rnd, gen, text) {
  const cps = Array.from(text);
  const at = rnd.int(cps.length + 1);
  const k = rnd.int(6);
  const piece = () => rnd.pick([gen.token, gen.separator, gen.word, () => rnd.pick(INVISIBLE),
                               () => rnd.pick(EMOJI), () => rnd.pick(PUNCT_UNICODE)])();
  if (k === 0) cps.splice(at, 0, piece());
  else if (k === 1 && cps.length) cps.splice(Math.min(at, cps.length - 1), 1);
  else if (k === 2 && cps.length) cps[Math.min(at, cps.length - 1)] = piece();
  else if (k === 3) {  // a neighbour for every sign
    for (let i = 0; i < cps.length; ++i) {
      if ('#@$＃＠.:/'.includes(cps[i]) && rnd.chance(0.5)) {
        cps[i] = rnd.chance(0.5) ? piece() + cps[i] : cps[i] + piece();
      }
    }
  } else if (k === 4) {  // full-width and case swaps
    for (let i = 0; i < cps.length; ++i) {
      if (cps[i] === '#' && rnd.chance(0.5)) cps[i] = '＃';
      else if (cps[i] === '@' && rnd.chance(0.5)) cps[i] = '＠';
      else if (/[a-z]/.test(cps[i]) && rnd.chance(0.2)) cps[i] = cps[i].toUpperCase();
    }
  } else {
    cps.splice(at, 0, gen.composed());
  }
  return cps.join('');
}

// Every BMP code point (and a sample of astral ones) in each character class
// the rules use: hashtag letters, path characters, domain characters, ASCII
// domain labels, and what may follow a cashtag or a mention. Four code points
// a text.
function sweepTexts() {
  const points = [];
  for (let c = 0; c < 0x10000; ++c) {
    if ((c >= 0xD800 && c <= 0xDFFF) || c === 0x0A || c === 0x0D) continue;
    points.push(c);
  }
  for (let c = 0x10000; c < 0x30000; c += 61) points.push(c);
  const texts = [];
  for (let i = 0; i < points.length; i += 4) {
    let t = '';
    for (const c of points.slice(i, i + 4)) {
      const x = String.fromCodePoint(c);
      t += `#${x} #a${x} http://a.co/b${x}c ${x}b.com http://x${x}.com a.${x}o @a${x} $A${x} `;
    }
    texts.push(t);
  }
  return texts;
}

function generateTexts(args) {
  const rnd = makeRandom(args.seed);
  const gen = makeGenerator(rnd);
  const suite = conformanceTexts(args.data);
  const texts = [...suite];
  const mutations = Math.min(8000, Math.floor(args.count / 3));
  for (let i = 0; i < mutations; ++i) {
    const r = rnd.next();
    if (r < 0.15) texts.push(rnd.pick(suite) + gen.separator() + rnd.pick(suite));
    else texts.push(mutate(rnd, gen, rnd.pick(suite)));
  }
  for (let i = 0; i < 12; ++i) texts.push(gen.long());
  while (texts.length < args.count) texts.push(gen.composed());
  if (args.sweep !== 'no') texts.push(...sweepTexts());
  // One text per line: line breaks become spaces (U+2028/2029 stay).
  return texts.map((t) => t.replace(/[\r\n]/g, ' '));
}

// ------------------------------------------------------------------ comparison

function loadTwitterText(dir) {
  const entry = require.resolve('twitter-text', {paths: [dir]});
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  return {tt: require(entry), version: pkg.version};
}

function runStarling(bin, texts) {
  const res = childProcess.spawnSync(bin, ['-q', 'normalize', '--text', '--indices'], {
    input: texts.join('\n') + '\n',
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`starling exited ${res.status}: ${res.stderr}`);
  const lines = res.stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== texts.length) {
    throw new Error(`starling printed ${lines.length} lines for ${texts.length} texts`);
  }
  return lines.map((l) => JSON.parse(l));
}

// UTF-16 offset of every code point boundary of `text`.
function utf16Offsets(text) {
  const offsets = [0];
  let u = 0;
  for (const ch of text) {
    u += ch.length;
    offsets.push(u);
  }
  return offsets;
}

const KINDS = ['hashtags', 'mentions', 'urls', 'cashtags'];

function reference(tt, text) {
  return {
    hashtags: tt.extractHashtagsWithIndices(text).map((e) => [e.hashtag, ...e.indices]),
    mentions: tt.extractMentionsOrListsWithIndices(text)
                  .map((e) => [e.screenName + (e.listSlug || ''), ...e.indices]),
    urls: tt.extractUrlsWithIndices(text).map((e) => [e.url, ...e.indices]),
    cashtags: tt.extractCashtagsWithIndices(text).map((e) => [e.cashtag, ...e.indices]),
  };
}

function fromStarling(json, text) {
  const u16 = utf16Offsets(text);
  const conv = (list, field) => list.map((e) => [e[field] + (e.list || ''), u16[e.start], u16[e.end]]);
  return {
    hashtags: conv(json.hashtags, 'tag'),
    mentions: conv(json.mentions, 'handle'),
    urls: conv(json.urls, 'url'),
    cashtags: conv(json.cashtags, 'tag'),
  };
}

function main() {
  const args = parseArgs(process.argv);
  const started = Date.now();
  const {tt, version} = loadTwitterText(args['twitter-text']);
  const texts = generateTexts(args);
  if (args.dump) fs.writeFileSync(args.dump, texts.join('\n') + '\n');
  const starling = runStarling(args.starling, texts);
  const agree = {hashtags: 0, mentions: 0, urls: 0, cashtags: 0};
  const withEntity = {hashtags: 0, mentions: 0, urls: 0, cashtags: 0};
  const shown = [];
  let allAgree = 0;
  for (let i = 0; i < texts.length; ++i) {
    const want = reference(tt, texts[i]);
    const got = fromStarling(starling[i], texts[i]);
    let ok = true;
    for (const kind of KINDS) {
      if (want[kind].length || got[kind].length) ++withEntity[kind];
      const a = JSON.stringify(want[kind]);
      const b = JSON.stringify(got[kind]);
      if (a === b) {
        ++agree[kind];
      } else {
        ok = false;
        if (shown.length < args.show) shown.push({i, kind, text: texts[i], a, b});
      }
    }
    if (ok) ++allAgree;
  }
  const n = texts.length;
  const pct = (k) => (k === n ? 100 : Math.min(99.99, Math.floor(10000 * k / n) / 100)).toFixed(2);
  console.log(`[twitter-text differential] ${n} texts (${args.count} generated with seed ${args.seed}` +
              `, ${n - args.count} sweeping the character classes), twitter-text ${version}`);
  for (const kind of KINDS) {
    console.log(`[twitter-text differential] ${kind.padEnd(8)} ${agree[kind]}/${n} (${pct(agree[kind])}%)` +
                `, ${withEntity[kind]} texts with ${kind}`);
  }
  console.log(`[twitter-text differential] all kinds ${allAgree}/${n} (${pct(allAgree)}%)` +
              ` in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const d of shown) {
    console.log(`\nDISAGREE #${d.i} ${d.kind}: ${JSON.stringify(d.text)}`);
    console.log(`  twitter-text: ${d.a}`);
    console.log(`  starling:     ${d.b}`);
  }
  process.exit(allAgree === n ? 0 : 1);
}

main();
