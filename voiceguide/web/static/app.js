// The page of `voiceguide serve`: plain JavaScript, no build step, talking only to its own server.
// The server does all the reading, planning and building; this file keeps what the user changed
// (settings, and per-step holds and counts keyed by step number) and shows the answers.
'use strict';

const $ = (id) => document.getElementById(id);
const NARRATIVE = new Set(['intro', 'note', 'switch', 'repeat']);
const SETTINGS = ['hold', 'scale', 'breath', 'breath_cue', 'voice', 'chime', 'intro'];

const state = {
  name: null, // the file name the text came from, which tells a routine file from text
  holds: new Map(), // step number → {value, text}: the text tells when an edit no longer fits
  repeats: new Map(),
  textChanged: false,
  plan: null,
  planNumber: 0,
  stepsKey: '',
  whole: null, // the last build of the whole routine: {build, cues, request}
  playing: null, // what the player has loaded: {build, cues, preview}
  building: false,
  buildAgain: false,
  events: [],
};

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function clock(seconds) {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const number = (x) => String(Math.round(x * 1000) / 1000);

// ---- Requests ----------------------------------------------------------------------------

function options({ steps = true } = {}) {
  const value = (id) => $(id).value.trim();
  const found = {
    hold: value('hold') === '' ? null : Number(value('hold')),
    scale: value('scale') === '' ? 1 : Number(value('scale')),
    breath: value('breath') || '4:6',
    breath_cue: value('breath_cue'),
    voice: value('voice') || null,
    chime: value('chime'),
    no_intro: !$('intro').checked,
  };
  if (steps) {
    found.set_holds = Object.fromEntries([...state.holds].map(([i, e]) => [i, e.value]));
    found.set_repeats = Object.fromEntries([...state.repeats].map(([i, e]) => [i, e.value]));
  }
  return found;
}

function request(opts) {
  const body = { text: $('text').value, options: options(opts) };
  if (state.name) body.name = state.name;
  return body;
}

async function post(url, body) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
    return { ok: response.ok, data };
  } catch (error) {
    return { ok: false, data: { error: 'the server does not answer; start `voiceguide serve` again', field: null } };
  }
}

// ---- Errors and warnings -----------------------------------------------------------------

function clearErrors() {
  for (const node of document.querySelectorAll('.error')) node.textContent = '';
  for (const node of document.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

// An error is the command line's one-line message, placed beside the field it concerns.
function showError(data, fallback = 'error-general') {
  clearErrors();
  let slot = $(fallback);
  let input = null;
  if (data.field === 'routine') {
    slot = $('error-routine');
    input = $('text');
  } else if (data.field === 'step' && $(`error-step-${data.step}`)) {
    slot = $(`error-step-${data.step}`);
    input = $(`step-${data.step}`).querySelector('input');
  } else if (data.field === 'no_intro') {
    input = $('intro');
  } else if (data.field && $(`error-${data.field}`)) {
    slot = $(`error-${data.field}`);
    input = $(data.field);
  }
  slot.textContent = data.error;
  if (input) input.setAttribute('aria-invalid', 'true');
}

function showWarnings(plan) {
  const routineWarnings = $('routine-warnings');
  routineWarnings.replaceChildren();
  for (const list of document.querySelectorAll('#steps .warnings')) list.replaceChildren();
  for (const warning of plan.warnings || []) {
    const where = warning.line ? `line ${warning.line}: ` : '';
    const list = warning.step && $(`step-${warning.step}`) ? $(`step-${warning.step}`).querySelector('.warnings') : routineWarnings;
    list.append(el('li', { textContent: where + warning.text }));
  }
}

// ---- Planning ----------------------------------------------------------------------------

let planTimer = 0;
function schedulePlan(delay = 250) {
  clearTimeout(planTimer);
  planTimer = setTimeout(plan, delay);
}

async function plan() {
  const ticket = ++state.planNumber;
  if (state.textChanged) {
    // The routine changed: keep a step's edits only where the same step is still there.
    state.textChanged = false;
    const fresh = await post('/api/plan', request({ steps: false }));
    if (ticket !== state.planNumber) return;
    if (fresh.ok) keepEditsThatFit(fresh.data);
  }
  const answer = await post('/api/plan', request());
  if (ticket !== state.planNumber) return; // a newer edit is on its way
  if (!answer.ok) {
    showError(answer.data);
    return;
  }
  clearErrors();
  state.plan = answer.data;
  showPlan(answer.data);
  if (state.whole && JSON.stringify(request()) !== state.whole.request) scheduleBuild();
}

function keepEditsThatFit(plan) {
  const steps = new Map(plan.steps.map((s) => [s.index, s]));
  for (const edits of [state.holds, state.repeats]) {
    for (const [index, edit] of edits) {
      const step = steps.get(index);
      if (!step || NARRATIVE.has(step.kind) || step.text !== edit.text) edits.delete(index);
    }
  }
}

function showPlan(plan) {
  const count = plan.steps.filter((s) => !NARRATIVE.has(s.kind)).length;
  $('summary').textContent = `${plan.title} — about ${clock(plan.duration_estimate)}, ${count} steps`;
  const key = plan.steps.map((s) => `${s.index} ${s.kind} ${s.section} ${s.text}`).join('\n');
  if (key !== state.stepsKey) {
    state.stepsKey = key;
    drawSteps(plan.steps);
  }
  for (const step of plan.steps) updateStep(step);
  showWarnings(plan);
  highlight();
}

function drawSteps(steps) {
  const box = $('steps');
  box.replaceChildren();
  let section;
  let list = null;
  for (const step of steps) {
    if (!list || step.section !== section) {
      section = step.section;
      const group = el('section', { className: 'group' });
      if (section) group.append(el('h3', { textContent: section }));
      list = el('ol', { className: 'step-list' });
      group.append(list);
      box.append(group);
    }
    list.append(stepItem(step));
  }
}

function stepItem(step) {
  const item = el('li', { className: `step kind-${step.kind}`, id: `step-${step.index}` });
  const head = el('div', { className: 'step-head' },
    el('span', { className: 'num', textContent: step.index }),
    el('span', { className: 'kind', textContent: step.kind }));
  if (step.side) head.append(el('span', { className: 'side', textContent: step.side }));
  head.append(el('span', { className: 'breath' }));
  if (step.copy_of) head.append(el('span', { className: 'copy', textContent: `as step ${step.copy_of}` }));
  const spoken = NARRATIVE.has(step.kind) && step.announce ? step.announce : step.text;
  item.append(head, el('p', { className: 'text', textContent: spoken }));
  if (!NARRATIVE.has(step.kind)) {
    const edit = el('div', { className: 'edit' });
    edit.append(
      numberField(step, 'seconds', 'Hold', 's'),
      numberField(step, 'repeat', 'Times', ''),
      el('button', { type: 'button', className: 'preview secondary', textContent: 'Preview' }),
    );
    const preview = edit.querySelector('.preview');
    preview.dataset.index = step.index;
    preview.setAttribute('aria-label', `Preview step ${step.index}`);
    item.append(edit);
  }
  const error = el('p', { className: 'error', id: `error-step-${step.index}` });
  error.setAttribute('aria-live', 'polite');
  item.append(error, el('ul', { className: 'warnings' }));
  return item;
}

function numberField(step, field, label, unit) {
  const id = `${field}-${step.index}`;
  const input = el('input', {
    id, type: 'number', min: '1', step: '1', inputMode: field === 'seconds' ? 'decimal' : 'numeric',
  });
  input.dataset.field = field;
  input.dataset.index = step.index;
  input.setAttribute('aria-describedby', `error-step-${step.index}`);
  input.setAttribute('aria-label', `Step ${step.index}: ${field === 'seconds' ? 'hold in seconds' : 'times done'}`);
  return el('span', { className: 'number' }, el('label', { htmlFor: id, textContent: label }), input,
    unit ? el('span', { className: 'unit', textContent: unit }) : '');
}

function updateStep(step) {
  const item = $(`step-${step.index}`);
  if (!item) return;
  item.querySelector('.breath').textContent = step.breath ? `breath ${step.breath.map(number).join(':')}` : '';
  item.classList.toggle('changed', step.seconds_from === 'override' || state.repeats.has(step.index));
  for (const input of item.querySelectorAll('input')) {
    if (input === document.activeElement) continue; // never overwrite what is being typed
    input.value = number(input.dataset.field === 'seconds' ? step.seconds : step.repeat);
  }
}

function stepEdited(event) {
  const input = event.target;
  if (!input.dataset || !input.dataset.field) return;
  const index = Number(input.dataset.index);
  if (input.value.trim() === '') return; // wait for a number
  const step = state.plan && state.plan.steps.find((s) => s.index === index);
  const edits = input.dataset.field === 'seconds' ? state.holds : state.repeats;
  edits.set(index, { value: Number(input.value), text: step ? step.text : '' });
  schedulePlan();
}

// ---- Building and listening --------------------------------------------------------------

let buildTimer = 0;
function scheduleBuild() {
  clearTimeout(buildTimer);
  buildTimer = setTimeout(() => build(), 400);
}

// `asked`: the user pressed a button, so play; a rebuild after an edit plays on only if the
// player was playing, from where it was.
async function build(preview = null, asked = false) {
  if (state.building) {
    state.buildAgain = preview === null;
    return;
  }
  state.building = true;
  const body = request();
  const key = JSON.stringify(body);
  if (preview !== null) body.options.only = preview;
  const watch = watchProgress();
  $('status').textContent = preview === null ? 'Building…' : `Building step ${preview}…`;
  $('error-build').textContent = '';
  const answer = await post('/api/build', body);
  watch.stop();
  state.building = false;
  if (!answer.ok) {
    $('status').textContent = '';
    showError(answer.data, 'error-build');
  } else {
    const result = answer.data;
    const cues = await (await fetch(result.cues)).json();
    const seconds = result.build_seconds.toFixed(1);
    $('status').textContent = preview === null
      ? `Built in ${seconds} s: ${clock(result.duration)}.`
      : `Step ${preview} on its own, built in ${seconds} s.`;
    if (preview === null) {
      state.whole = { build: result, cues, request: key };
      showDownloads(result);
    }
    load(result, cues, preview, asked);
  }
  if (state.buildAgain) {
    state.buildAgain = false;
    scheduleBuild();
  }
}

function watchProgress() {
  const bar = $('progress');
  bar.hidden = false;
  bar.removeAttribute('value');
  let running = true;
  const poll = async () => {
    if (!running) return;
    try {
      const progress = await (await fetch('/api/progress')).json();
      if (running && progress.stage && progress.total) {
        bar.max = progress.total;
        bar.value = progress.done;
        const share = Math.round((100 * progress.done) / progress.total);
        $('status').textContent = `${progress.stage}… ${share} %`;
      }
    } catch (error) { /* the build's own answer reports a dead server */ }
    if (running) setTimeout(poll, 200);
  };
  poll();
  return { stop() { running = false; bar.hidden = true; } };
}

function load(result, cues, preview, asked) {
  const player = $('player');
  const again = state.playing && state.playing.preview === null && preview === null;
  const at = player.currentTime;
  const play = asked || !player.paused;
  state.playing = { build: result, cues, preview };
  state.events = cues.events;
  player.src = result.mp3;
  player.dataset.duration = cues.duration;
  player.addEventListener('loadedmetadata', () => {
    if (again) player.currentTime = Math.min(at, player.duration);
    if (play) player.play().catch(() => {});
  }, { once: true });
  drawChapters(cues);
  $('build').textContent = preview === null ? 'Build and play' : 'Play the whole routine';
}

function drawChapters(cues) {
  const starts = new Map();
  for (const event of cues.events) {
    if (event.step !== null && !starts.has(event.step)) starts.set(event.step, event.start);
  }
  const steps = new Map(cues.steps.map((s) => [s.index, s]));
  const items = [...starts].sort((a, b) => a[1] - b[1]).map(([index, start]) => {
    const step = steps.get(index);
    const text = NARRATIVE.has(step.kind) && step.announce ? step.announce : step.text;
    const words = text.split(/\s+/);
    const title = words.slice(0, 7).join(' ') + (words.length > 7 ? '…' : '');
    const button = el('button', { type: 'button', className: 'chapter' },
      el('span', { className: 'time', textContent: clock(start) }), el('span', { textContent: `${index}. ${title}` }));
    button.dataset.start = start;
    button.dataset.index = index;
    return el('li', {}, button);
  });
  $('chapters').replaceChildren(...items);
}

// The step being heard: the last event that started, back to the nearest one that has a step.
function stepAt(seconds) {
  const events = state.events;
  let low = 0;
  let high = events.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (events[middle].start <= seconds) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  for (let i = found; i >= 0; i--) if (events[i].step !== null) return events[i].step;
  return null;
}

function highlight() {
  const player = $('player');
  const step = state.playing && player.src ? stepAt(player.currentTime) : null;
  for (const node of document.querySelectorAll('.playing')) node.classList.remove('playing');
  for (const node of document.querySelectorAll('#chapters [aria-current]')) node.removeAttribute('aria-current');
  if (step === null) {
    $('now-playing').textContent = '';
    return;
  }
  const item = $(`step-${step}`);
  if (item) item.classList.add('playing');
  const chapter = document.querySelector(`#chapters button[data-index="${step}"]`);
  if (chapter) chapter.setAttribute('aria-current', 'step');
  $('now-playing').textContent = `Now: step ${step}`;
}

function showDownloads(result) {
  const links = { mp3: '.mp3', cues: '.json', routine: '.yaml', vtt: '.vtt' };
  for (const [kind, suffix] of Object.entries(links)) {
    const link = $(`download-${kind}`);
    link.href = result[kind];
    link.download = result.name + suffix;
  }
  $('command').textContent = result.command;
  $('download').hidden = false;
}

// ---- Opening a routine -------------------------------------------------------------------

// Text files as the command line reads them: UTF-16 with a byte-order mark, UTF-8, or else
// Windows-1252.
async function readFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function openText(text, name) {
  $('text').value = text;
  state.name = name;
  $('file-name').textContent = name || '';
  state.textChanged = true;
  schedulePlan(0);
}

let voicesAsked = false;
async function loadVoices() {
  if (voicesAsked) return;
  voicesAsked = true;
  try {
    const found = await (await fetch('/api/voices')).json();
    $('voices').replaceChildren(...(found.voices || []).map((v) =>
      el('option', { value: v.id, label: `${v.name} (${v.language})` })));
  } catch (error) { voicesAsked = false; }
}

async function start() {
  const begin = await (await fetch('/api/start')).json();
  const defaults = begin.options;
  $('hold').value = defaults.hold ?? '';
  $('scale').value = defaults.scale;
  $('breath').value = defaults.breath.map(number).join(':');
  $('breath_cue').value = defaults.breath_cue;
  $('voice').value = defaults.voice;
  $('chime').value = defaults.chime;
  $('intro').checked = !defaults.no_intro;
  openText(begin.text, begin.name);
}

function wire() {
  $('text').addEventListener('input', () => {
    state.textChanged = true;
    schedulePlan(400);
  });
  $('text').addEventListener('paste', (event) => {
    const area = event.target;
    if (area.selectionStart === 0 && area.selectionEnd === area.value.length) {
      state.name = null; // pasted over everything: a new routine, told apart by its own text
      $('file-name').textContent = '';
    }
  });
  $('file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (file) openText(await readFile(file), file.name);
    event.target.value = '';
  });
  for (const id of SETTINGS) {
    $(id).addEventListener('input', () => schedulePlan());
    $(id).addEventListener('change', () => schedulePlan());
  }
  $('voice').addEventListener('focus', loadVoices);
  $('steps').addEventListener('input', stepEdited);
  $('steps').addEventListener('click', (event) => {
    const button = event.target.closest('button.preview');
    if (button) build(Number(button.dataset.index), true);
  });
  $('build').addEventListener('click', () => {
    const whole = state.whole;
    if (!whole || whole.request !== JSON.stringify(request())) build(null, true);
    else if (state.playing && state.playing.preview === null) $('player').play().catch(() => {});
    else load(whole.build, whole.cues, null, true);
  });
  $('chapters').addEventListener('click', (event) => {
    const button = event.target.closest('button.chapter');
    if (!button) return;
    const player = $('player');
    player.currentTime = Number(button.dataset.start);
    player.play().catch(() => {});
  });
  for (const name of ['timeupdate', 'seeked', 'loadedmetadata']) $('player').addEventListener(name, highlight);
}

wire();
start();
