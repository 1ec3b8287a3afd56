// The page: jobs newest first with live progress, a job's items by state, a submit form, job controls and settings.
// Job events of all jobs keep the list current; an open job's own stream says when its items change.
import { KeyNeeded, Refused, call, hasKey, stream, useKey } from './api.js';

const PAGE = 50;
const ITEM_PAGE = 100;
const RECONNECT_MS = 2000;
const STATE_WORDS = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  PAUSED: 'Paused',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  ACTIVE: 'Downloading',
};
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

const $ = (selector, root = document) => root.querySelector(selector);
const shown = new Map();
let listed = 0;
let following = null;

// ---- the key ----------------------------------------------------------------------------------------------------

function askForKey(refused) {
  following?.abort();
  following = null;
  $('#key-section').hidden = false;
  $('#key-message').textContent = refused
    ? 'That key was refused. Enter a valid API key.'
    : 'This service needs an API key.';
  $('#key').focus();
  setStatus('Waiting for an API key');
}

$('#key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#key');
  useKey(input.value.trim());
  input.value = '';
  $('#key-section').hidden = true;
  start();
});

// ---- loading and following the jobs -------------------------------------------------------------------------------

function setStatus(text) {
  $('#connection').textContent = text;
}

async function start() {
  try {
    const page = await call('GET', `/api/v1/jobs?limit=${PAGE}`);
    listed = page.jobs.length;
    // The newest job goes on top: render the oldest first.
    [...page.jobs].reverse().forEach((job) => render(job, false));
    $('#more-jobs').hidden = page.total <= listed;
    follow();
  } catch (error) {
    failed(error);
  }
}

async function moreJobs() {
  try {
    const page = await call('GET', `/api/v1/jobs?limit=${PAGE}&offset=${listed}`);
    listed += page.jobs.length;
    page.jobs.forEach((job) => render(job, true));
    $('#more-jobs').hidden = page.total <= listed;
  } catch (error) {
    failed(error);
  }
}

$('#more-jobs').addEventListener('click', moreJobs);

/** Follows job events of all jobs; after a break, reads the list again and goes on. */
async function follow() {
  following?.abort();
  const control = new AbortController();
  following = control;
  while (!control.signal.aborted) {
    try {
      setStatus('Live');
      await stream('/api/v1/events', (event) => {
        if (event.event === 'job') {
          render(JSON.parse(event.data), false);
        }
      }, control.signal);
    } catch (error) {
      if (control.signal.aborted) {
        return;
      }
      if (error instanceof KeyNeeded) {
        askForKey(hasKey());
        return;
      }
    }
    if (control.signal.aborted) {
      return;
    }
    setStatus('Reconnecting…');
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    try {
      const page = await call('GET', `/api/v1/jobs?limit=${Math.max(PAGE, listed)}`);
      [...page.jobs].reverse().forEach((job) => render(job, false));
    } catch (error) {
      if (error instanceof KeyNeeded) {
        askForKey(hasKey());
        return;
      }
    }
  }
}

function failed(error) {
  if (error instanceof KeyNeeded) {
    askForKey(hasKey());
  } else {
    setStatus(`Cannot reach the service: ${error.message}`);
  }
}

// ---- one job ----------------------------------------------------------------------------------------------------

/** Shows the job, adding it on top (or, for older pages, at the end) when it is new to the page. */
function render(job, atEnd) {
  let entry = shown.get(job.id);
  if (!entry) {
    entry = create(job);
    shown.set(job.id, entry);
    const list = $('#jobs');
    if (atEnd) {
      list.append(entry.element);
    } else {
      list.prepend(entry.element);
    }
    $('#no-jobs').hidden = true;
  }
  entry.job = job;
  const element = entry.element;
  const title = job.label || job.id;
  $('.job-title', element).textContent = title;
  element.querySelectorAll('.job-name').forEach((name) => {
    name.textContent = ` ${title}`;
  });
  const state = $('.state', element);
  state.textContent = STATE_WORDS[job.state] || job.state;
  state.className = `state state-${job.state.toLowerCase()}`;
  element.dataset.state = job.state;
  const percent = progressOf(job);
  const bar = $('progress', element);
  bar.value = percent;
  bar.textContent = `${percent} %`;
  $('.percent', element).textContent = `${percent} %`;
  $('.counts', element).textContent = counts(job);
  $('.created', element).textContent = `Created ${new Date(job.createdAt).toLocaleString()}`;
  $('[data-action="pause"]', element).hidden = !(job.state === 'QUEUED' || job.state === 'RUNNING');
  $('[data-action="resume"]', element).hidden = job.state !== 'PAUSED';
  $('[data-action="cancel"]', element).hidden = TERMINAL.has(job.state);
  $('[data-action="retry"]', element).hidden = !TERMINAL.has(job.state);
  $('.settings', element).hidden = TERMINAL.has(job.state);
  fill($('.priority', element), job.priority);
  fill($('.bandwidth', element), job.maxBytesPerSecond === null ? '' : Math.round(job.maxBytesPerSecond / 1024));
  if (TERMINAL.has(job.state)) {
    entry.items?.abort();
  }
}

/** Updates a field with the job's value, unless someone is editing it. */
function fill(input, value) {
  if (document.activeElement !== input && !input.dataset.edited) {
    input.value = value;
  }
}

/** Bytes of the expected total while a job runs; once it has ended, the share of its files it got. */
function progressOf(job) {
  const items = job.items;
  if (job.state === 'SUCCEEDED') {
    return 100;
  }
  if (TERMINAL.has(job.state)) {
    return items.total === 0 ? 0 : Math.floor((100 * items.succeeded) / items.total);
  }
  const { downloaded, expected } = job.bytes;
  if (expected) {
    return Math.min(100, Math.floor((100 * downloaded) / expected));
  }
  const done = items.succeeded + items.failed + items.cancelled;
  return items.total === 0 ? 0 : Math.floor((100 * done) / items.total);
}

function counts(job) {
  const items = job.items;
  const parts = [`${items.succeeded} of ${items.total} ${items.total === 1 ? 'file' : 'files'} done`];
  if (items.active > 0) {
    parts.push(`${items.active} downloading`);
  }
  if (items.failed > 0) {
    parts.push(`${items.failed} failed`);
  }
  if (items.cancelled > 0) {
    parts.push(`${items.cancelled} cancelled`);
  }
  const bytes = job.bytes;
  // Bytes of failed and cancelled items count as downloaded but not as expected.
  parts.push(bytes.expected && bytes.expected >= bytes.downloaded
    ? `${size(bytes.downloaded)} of ${size(bytes.expected)}` : size(bytes.downloaded));
  if (bytes.perSecond) {
    parts.push(`${size(bytes.perSecond)}/s`);
  }
  return parts.join(' · ');
}

function size(bytes) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function create(job) {
  const element = $('#job-template').content.firstElementChild.cloneNode(true);
  element.dataset.id = job.id;
  const titleId = `job-${job.id}`;
  $('.job-title', element).id = titleId;
  $('progress', element).setAttribute('aria-labelledby', titleId);
  element.setAttribute('aria-labelledby', titleId);
  const entry = { element, job, items: null };
  element.querySelectorAll('[data-action]').forEach((button) => {
    button.addEventListener('click', () => control(entry, button.dataset.action));
  });
  const settings = $('.settings', element);
  settings.querySelectorAll('input').forEach((input) => {
    input.id = `${input.className}-${job.id}`;
    input.previousElementSibling.htmlFor = input.id;
    input.addEventListener('input', () => {
      input.dataset.edited = 'yes';
    });
  });
  settings.addEventListener('submit', (event) => {
    event.preventDefault();
    save(entry);
  });
  const details = $('details', element);
  const filter = $('.filter', details);
  filter.id = `filter-${job.id}`;
  filter.previousElementSibling.htmlFor = filter.id;
  details.addEventListener('toggle', () => (details.open ? openItems(entry) : closeItems(entry)));
  filter.addEventListener('change', () => loadItems(entry, false));
  $('.more-items', details).addEventListener('click', () => loadItems(entry, true));
  return entry;
}

const CONTROLS = {
  pause: ['POST', 'pause'],
  resume: ['POST', 'resume'],
  retry: ['POST', 'retry'],
  cancel: ['DELETE', ''],
};

async function control(entry, action) {
  const [method, path] = CONTROLS[action];
  const url = `/api/v1/jobs/${entry.job.id}${path ? `/${path}` : ''}`;
  await act(entry, async () => render(await call(method, url), false));
}

async function save(entry) {
  const element = entry.element;
  const priority = $('.priority', element);
  const bandwidth = $('.bandwidth', element);
  const patch = { priority: Number(priority.value || 0) };
  patch.maxBytesPerSecond = bandwidth.value === '' ? null : Math.round(Number(bandwidth.value) * 1024);
  await act(entry, async () => {
    const job = await call('PATCH', `/api/v1/jobs/${entry.job.id}`, {
      body: JSON.stringify(patch),
      type: 'application/merge-patch+json',
    });
    delete priority.dataset.edited;
    delete bandwidth.dataset.edited;
    render(job, false);
    $('.message', element).textContent = 'Saved.';
  });
}

async function act(entry, work) {
  const message = $('.message', entry.element);
  message.textContent = '';
  try {
    await work();
  } catch (error) {
    if (error instanceof KeyNeeded) {
      askForKey(hasKey());
    } else {
      message.textContent = explain(error);
    }
  }
}

function explain(error) {
  if (error instanceof Refused && error.problem?.errors?.length) {
    return error.problem.errors.map((bad) => {
      const where = bad.line ? `line ${bad.line}: `
        : bad.index !== undefined ? `URL ${bad.index + 1}: `
          : bad.field ? `${bad.field}: ` : '';
      return `${where}${bad.reason}`;
    }).join('; ');
  }
  return error.message;
}

// ---- a job's items ----------------------------------------------------------------------------------------------

function openItems(entry) {
  loadItems(entry, false);
  if (TERMINAL.has(entry.job.state)) {
    return;
  }
  entry.items?.abort();
  const control = new AbortController();
  entry.items = control;
  let pending = null;
  // Item events say when items changed; the visible page is read again, at most twice a second.
  stream(`/api/v1/jobs/${entry.job.id}/events`, (event) => {
    if (event.event === 'item' && !pending) {
      pending = setTimeout(() => {
        pending = null;
        loadItems(entry, false);
      }, 500);
    } else if (event.event === 'job') {
      render(JSON.parse(event.data), false);
    }
  }, control.signal).then(() => loadItems(entry, false)).catch(() => {
    // Closed with the details, or the connection broke: the job list still follows the job.
  });
}

function closeItems(entry) {
  entry.items?.abort();
  entry.items = null;
}

async function loadItems(entry, more) {
  const details = $('details', entry.element);
  const body = $('tbody', details);
  const state = $('.filter', details).value;
  const offset = more ? body.rows.length : 0;
  const query = new URLSearchParams({ offset: String(offset), limit: String(ITEM_PAGE) });
  if (state) {
    query.set('state', state);
  }
  try {
    const page = await call('GET', `/api/v1/jobs/${entry.job.id}/items?${query}`);
    if (!more) {
      body.replaceChildren();
    }
    page.items.forEach((item) => body.append(itemRow(item)));
    $('.more-items', details).hidden = page.total <= body.rows.length;
    $('.no-items', details).hidden = page.total > 0;
  } catch (error) {
    if (error instanceof KeyNeeded) {
      askForKey(hasKey());
    }
  }
}

function itemRow(item) {
  const row = document.createElement('tr');
  row.dataset.state = item.state;
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.append(td);
    return td;
  };
  cell(String(item.index + 1));
  const name = cell(item.file || item.url, 'name');
  name.title = item.url;
  cell(STATE_WORDS[item.state] || item.state, `state state-${item.state.toLowerCase()}`);
  cell(item.size === null ? size(item.bytes) : `${size(item.bytes)} of ${size(item.size)}`);
  const error = cell('', 'error');
  if (item.error) {
    const code = document.createElement('code');
    code.textContent = item.error.code;
    error.append(code, ` ${item.error.message}`);
  }
  return row;
}

// ---- submitting -------------------------------------------------------------------------------------------------

$('#submit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const result = $('#submit-result');
  const urls = $('#urls').value;
  const label = $('#label').value.trim();
  result.textContent = 'Submitting…';
  try {
    // One URL a line, as wget -i reads them; a label needs the JSON form.
    const job = label
      ? await call('POST', '/api/v1/jobs', {
        body: JSON.stringify({ label, urls: lines(urls) }),
        type: 'application/json',
      })
      : await call('POST', '/api/v1/jobs', { body: urls, type: 'text/uri-list' });
    render(job, false);
    form.reset();
    result.textContent = `Job ${job.label || job.id} accepted with ${job.items.total} `
      + `${job.items.total === 1 ? 'file' : 'files'}.`;
  } catch (error) {
    if (error instanceof KeyNeeded) {
      result.textContent = '';
      askForKey(hasKey());
    } else {
      result.textContent = `Not accepted: ${explain(error)}`;
    }
  }
});

function lines(text) {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

start();
