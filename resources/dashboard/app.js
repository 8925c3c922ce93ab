// Capture Receiver dashboard: the state from GET status, then every event from the
// Server-Sent Events stream at events; control through api/... with a Bearer token.
// Plain JavaScript, no framework: it runs under a Content-Security-Policy that allows only
// this file, so nothing here may be inline, evaluated or fetched from elsewhere. Every text
// from the network reaches the page through textContent, never as markup.
'use strict';

(function () {
  const HISTORY_MS = 5 * 60 * 1000; // the graph's window
  const GAP_MS = 3500; // stats samples further apart are not joined (a stop, a reconnect)
  const MAX_LOG = 250;
  const MAX_CLOSED_FILES = 25;
  const REFRESH_MS = 5000; // /status again: connections' and open files' figures
  const RETRY_MS = 3000; // a new event stream when the browser gave up on one
  const TOKEN_KEY = 'capture-receiver.control-token';
  const PORT_COLOURS = 8; // per-port lines when there are at most this many ports

  const EVENT_KINDS = [
    'started', 'new_run', 'hook_finished', 'listening', 'listen_failed', 'start_failed',
    'connection_opened', 'connection_closed', 'file_opened', 'file_closed', 'file_deleted',
    'file_lost', 'write_error', 'warning', 'error', 'drain_started', 'stats', 'stopped', 'gap',
  ];

  const model = {
    state: '',
    run: null,
    version: '',
    output: '',
    failure: '',
    control: false,
    controlRefused: false, // the receiver answered 404 to a control request
    uptimeBase: 0, // capture uptime in seconds at uptimeAt (performance.now())
    uptimeAt: 0,
    processUptime: 0,
    processUptimeAt: 0,
    ports: new Map(), // port -> its latest figures
    connections: new Map(), // id -> connection
    openFiles: new Map(), // path -> file
    closedFiles: [], // newest first
    totals: {},
    samples: [], // {t, total, ports: {port: rate}}, oldest first
    streamUp: false,
    streamTried: false,
    statusError: '',
    busy: false,
  };

  const $ = (id) => document.getElementById(id);

  // ---- formatting (the same units as the desktop window: sizes in KiB, rates in kB/s) ----

  function formatBytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = n;
    let u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      ++u;
    }
    return v.toFixed(v < 10 ? 2 : 1) + ' ' + units[u];
  }

  function formatRate(r) {
    if (typeof r !== 'number' || !isFinite(r)) return '–';
    const units = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
    let v = Math.max(0, r);
    let u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      ++u;
    }
    const decimals = u === 0 || v >= 100 ? 0 : v < 10 ? 2 : 1;
    return v.toFixed(decimals) + ' ' + units[u];
  }

  function formatDuration(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0) return '–';
    const s = Math.floor(seconds);
    const two = (x) => String(x).padStart(2, '0');
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + two(s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + two(Math.floor((s % 3600) / 60)) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function parseTime(text) {
    const t = typeof text === 'string' ? Date.parse(text) : NaN;
    return isFinite(t) ? t : Date.now();
  }

  function clockTime(ms) {
    const d = new Date(ms);
    const two = (x) => String(x).padStart(2, '0');
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function baseName(path) {
    if (typeof path !== 'string' || path === '') return '–';
    const at = path.lastIndexOf('/');
    return at >= 0 ? path.slice(at + 1) : path;
  }

  function num(x) {
    return typeof x === 'number' && isFinite(x) ? x : 0;
  }

  function text(x) {
    return x === null || x === undefined ? '' : String(x);
  }

  // ---- DOM helpers ----

  function cell(tr, content, className) {
    const td = document.createElement('td');
    td.textContent = content;
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function fileCell(tr, path) {
    const td = cell(tr, baseName(path), 'file');
    td.title = text(path);
    return td;
  }

  function fillTable(tableId, emptyId, countId, rows, build) {
    const tbody = $(tableId).tBodies[0];
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement('tr');
      build(tr, row);
      fragment.appendChild(tr);
    }
    tbody.replaceChildren(fragment);
    $(tableId).hidden = rows.length === 0;
    $(emptyId).hidden = rows.length > 0;
    if (countId) $(countId).textContent = rows.length > 0 ? String(rows.length) : '';
  }

  // ---- rendering ----

  function portColourClass(port) {
    const ports = sortedPorts();
    if (ports.length < 2 || ports.length > PORT_COLOURS) return '';
    return 'c' + ports.findIndex((p) => p.port === port);
  }

  function sortedPorts() {
    return Array.from(model.ports.values()).sort((a, b) => a.port - b.port);
  }

  function renderState() {
    const state = model.state || 'unknown';
    const badge = $('state');
    badge.textContent = model.state || 'connecting…';
    badge.dataset.state = model.state;
    badge.className = 'badge state-' + state.replace(/[^a-z]/g, '');
    badge.title = model.failure ? 'last start failed: ' + model.failure : '';
    $('run').textContent = model.run === null ? '–' : String(model.run);
    document.title = 'Capture Receiver — ' + (model.state || 'connecting') + ' — ' + location.host;
    renderUptime();
    renderControls();
  }

  function currentUptime() {
    const running = model.state === 'running' || model.state === 'stopping';
    const extra = running ? (performance.now() - model.uptimeAt) / 1000 : 0;
    return model.uptimeBase + extra;
  }

  function renderUptime() {
    const known = model.state !== '' && model.state !== 'starting';
    $('uptime').textContent = known ? formatDuration(currentUptime()) : '–';
    if (model.version) {
      const up = model.processUptime + (performance.now() - model.processUptimeAt) / 1000;
      $('version').textContent =
        'capture-receiver ' + model.version + ' · process up ' + formatDuration(up);
    }
  }

  function renderTotals() {
    const t = model.totals;
    $('total-rate').textContent = formatRate(num(t.rate));
    $('total-bytes').textContent = formatBytes(num(t.bytes));
    $('total-connections').textContent =
      num(t.connections) + ' / ' + num(t.connections_total);
    $('files-closed').textContent = String(num(t.files_closed));
    const problems = num(t.write_errors) + num(t.files_lost) + num(t.manifest_errors) +
      num(t.hooks_failed) + num(t.hand_off_errors);
    $('problems').textContent = String(problems);
    $('problems').title =
      'write errors ' + num(t.write_errors) + ', files lost ' + num(t.files_lost) +
      ', manifest errors ' + num(t.manifest_errors) + ', hooks failed ' + num(t.hooks_failed) +
      ', hand-off errors ' + num(t.hand_off_errors) +
      (t.reading_paused ? ', reading paused for free space' : '');
    $('problems-card').classList.toggle('bad', problems > 0 || t.reading_paused === true);
  }

  function renderPorts() {
    const ports = sortedPorts();
    fillTable('ports', 'ports-empty', 'ports-count', ports, (tr, p) => {
      tr.dataset.port = String(p.port);
      tr.dataset.bytes = String(num(p.bytes));
      const first = cell(tr, String(p.port));
      const colour = portColourClass(p.port);
      if (colour) {
        const swatch = document.createElement('span');
        swatch.className = 'swatch ' + colour;
        first.prepend(swatch);
      }
      const state = text(p.state);
      const stateCell = cell(tr, state, 'state-' + state.replace(/[^a-z]/g, ''));
      if (p.error) stateCell.title = text(p.error);
      cell(tr, formatBytes(num(p.bytes)), 'num bytes');
      cell(tr, formatRate(num(p.rate)), 'num rate');
      cell(tr, num(p.connections) + ' / ' + num(p.connections_total), 'num');
      cell(tr, String(num(p.files)), 'num');
    });
  }

  function renderConnections() {
    const rows = Array.from(model.connections.values()).sort((a, b) => a.id - b.id);
    fillTable('connections', 'connections-empty', 'connections-count', rows, (tr, c) => {
      tr.dataset.id = String(c.id);
      cell(tr, String(c.port));
      const peer = cell(tr, text(c.peer));
      if (c.tls_subject) peer.title = 'TLS: ' + text(c.tls_subject);
      cell(tr, c.opened ? clockTime(parseTime(c.opened)) : '–');
      cell(tr, formatBytes(num(c.bytes_received)), 'num');
      cell(tr, formatRate(num(c.rate)), 'num');
    });
  }

  function renderFiles() {
    const open = Array.from(model.openFiles.values()).sort((a, b) => a.port - b.port);
    fillTable('open-files', 'open-files-empty', 'open-files-count', open, (tr, f) => {
      fileCell(tr, f.file);
      cell(tr, String(f.port));
      cell(tr, formatBytes(num(f.bytes)), 'num');
      cell(tr, f.opened ? clockTime(parseTime(f.opened)) : '–');
    });
    fillTable('closed-files', 'closed-files-empty', null, model.closedFiles, (tr, f) => {
      fileCell(tr, f.file);
      cell(tr, String(f.port));
      cell(tr, formatBytes(num(f.bytes)), 'num');
      cell(tr, clockTime(parseTime(f.time)));
      const reason = cell(tr, text(f.reason) + (f.state && f.state !== 'closed' ? ' (' + f.state + ')' : ''));
      if (f.state === 'error') reason.className = 'state-error';
      if (f.xxh128 || f.sha256) reason.title = f.xxh128 ? 'xxh128 ' + f.xxh128 : 'sha256 ' + f.sha256;
    });
  }

  function renderLegend() {
    const legend = $('legend');
    const items = [];
    const total = document.createElement('span');
    total.className = 'total';
    total.textContent = 'total';
    items.push(total);
    for (const p of sortedPorts()) {
      const colour = portColourClass(p.port);
      if (!colour) continue;
      const item = document.createElement('span');
      item.className = colour;
      item.textContent = String(p.port);
      items.push(item);
    }
    legend.replaceChildren(...items);
  }

  function renderBanner() {
    const banner = $('banner');
    let message = '';
    if (model.streamTried && !model.streamUp)
      message = 'Disconnected from the receiver — retrying…';
    else if (model.statusError)
      message = model.statusError;
    banner.textContent = message;
    banner.hidden = message === '';
  }

  function renderAll() {
    renderState();
    renderTotals();
    renderPorts();
    renderConnections();
    renderFiles();
    renderLegend();
    drawGraph();
  }

  // ---- the log ----

  function addLog(level, kind, message, time) {
    const li = document.createElement('li');
    if (level !== 'info') li.className = level;
    const when = document.createElement('span');
    when.className = 'time';
    when.textContent = clockTime(time);
    const what = document.createElement('span');
    what.className = 'kind';
    what.textContent = kind;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = message;
    li.append(when, what, body);
    const log = $('log');
    log.prepend(li);
    while (log.children.length > MAX_LOG) log.lastElementChild.remove();
    $('log-empty').hidden = true;
  }

  function describe(kind, d) {
    const port = d.port !== undefined ? 'port ' + d.port + ': ' : '';
    switch (kind) {
      case 'started': {
        const ports = Array.isArray(d.ports) ? d.ports : [];
        const range = ports.length === 0 ? 'no ports'
          : ports.length === 1 ? 'port ' + ports[0]
          : ports.length + ' ports (' + ports[0] + '–' + ports[ports.length - 1] + ')';
        return ['info', 'capture started: ' + range + ' on ' + text(d.bind) + ' into ' + text(d.output)];
      }
      case 'listening':
        return ['info', 'listening on ' + text(d.address)];
      case 'listen_failed':
        return ['error', port + 'cannot listen: ' + text(d.reason)];
      case 'start_failed':
        return ['error', 'start failed: ' + text(d.reason)];
      case 'connection_opened':
        return ['info', port + 'connection from ' + text(d.peer)];
      case 'connection_closed': {
        const lost = num(d.bytes_received) - num(d.bytes_written);
        return [lost > 0 ? 'warning' : 'info',
          port + 'connection from ' + text(d.peer) + ' closed (' + text(d.reason) + '): ' +
          formatBytes(num(d.bytes_received)) + ' in ' + formatDuration(num(d.duration_ms) / 1000) +
          (lost > 0 ? '; ' + lost + ' bytes not written' : '')];
      }
      case 'file_opened':
        return ['info', port + 'file opened: ' + baseName(d.file)];
      case 'file_closed':
        return [d.state === 'error' ? 'warning' : 'info',
          port + 'file closed (' + text(d.reason) + '): ' + baseName(d.file) + ', ' +
          formatBytes(num(d.bytes))];
      case 'file_deleted':
        return ['info', port + 'file deleted (--max-files): ' + baseName(d.file)];
      case 'file_lost':
        return ['error', port + 'file lost (' + text(d.reason) + '): ' + baseName(d.file)];
      case 'write_error':
        return ['error', port + 'write error on ' + baseName(d.file) + ': ' + text(d.error)];
      case 'warning':
        return ['warning', text(d.message)];
      case 'error':
        return ['error', text(d.message)];
      case 'drain_started':
        return ['info', 'stopping: waiting for ' + num(d.connections) + ' connection(s) to finish'];
      case 'new_run':
        return ['info', 'new run ' + text(d.run_number) + ' (was ' + text(d.previous) + ')'];
      case 'hook_finished':
        return [d.ok ? 'info' : 'warning',
          port + '--on-file-closed for ' + baseName(d.file) + ': ' +
          (d.ok ? 'done' : 'failed' + (d.error ? ' (' + text(d.error) + ')'
            : d.timed_out ? ' (timed out)' : ' (exit code ' + text(d.exit_code) + ')'))];
      case 'stopped': {
        const bad = d.aborted || num(d.files_lost) > 0 || num(d.manifest_errors) > 0 ||
          num(d.bytes_received) > num(d.bytes_written);
        return [bad ? 'warning' : 'info',
          'capture stopped: ' + formatBytes(num(d.bytes_written)) + ' written in ' +
          formatDuration(num(d.uptime_ms) / 1000) +
          (d.stop_condition ? ' (' + text(d.stop_condition) + ')' : '')];
      }
      case 'gap':
        return ['warning', num(d.lost) + ' event(s) missed while disconnected'];
      default:
        return ['info', kind];
    }
  }

  // ---- state from /status ----

  function applyStatus(s) {
    model.state = text(s.state);
    model.run = typeof s.run_number === 'number' ? s.run_number : model.run;
    model.version = text(s.version);
    model.failure = text(s.failure);
    model.control = s.control === true;
    model.uptimeBase = num(s.capture_uptime_s);
    model.uptimeAt = performance.now();
    model.processUptime = num(s.uptime_s);
    model.processUptimeAt = performance.now();
    if (s.settings && typeof s.settings === 'object') model.output = text(s.settings.output);
    $('output').textContent = model.output ? 'output: ' + model.output : '';
    if (Array.isArray(s.ports)) {
      model.ports = new Map();
      for (const p of s.ports) model.ports.set(p.port, p);
    }
    if (Array.isArray(s.connections)) {
      model.connections = new Map();
      for (const c of s.connections) model.connections.set(c.id, c);
    }
    if (Array.isArray(s.open_files)) {
      model.openFiles = new Map();
      for (const f of s.open_files) model.openFiles.set(f.file, f);
    }
    if (s.totals && typeof s.totals === 'object') model.totals = s.totals;
    renderAll();
  }

  let statusPending = false;
  async function refreshStatus() {
    if (statusPending) return;
    statusPending = true;
    try {
      const response = await fetch('status', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      applyStatus(await response.json());
      model.statusError = '';
    } catch (e) {
      model.statusError = 'Cannot read the receiver’s status (' + e.message + ') — retrying…';
    } finally {
      statusPending = false;
    }
    renderBanner();
  }

  // ---- live events ----

  function onStats(d, t) {
    const total = d.total && typeof d.total === 'object' ? d.total : {};
    model.totals = total;
    if (typeof total.run_number === 'number') model.run = total.run_number;
    const rates = {};
    if (Array.isArray(d.ports)) {
      for (const p of d.ports) {
        model.ports.set(p.port, Object.assign(model.ports.get(p.port) || {}, p));
        rates[p.port] = num(p.rate);
      }
    }
    const samples = model.samples;
    if (samples.length > 0 && t < samples[samples.length - 1].t - 1000) samples.length = 0; // clock went back
    samples.push({ t: t, total: num(total.rate), ports: rates });
    while (samples.length > 0 && samples[0].t < t - HISTORY_MS - 5000) samples.shift();
    renderTotals();
    renderPorts();
    renderLegend();
    drawGraph();
    $('run').textContent = model.run === null ? '–' : String(model.run);
  }

  function onEvent(kind, message) {
    let d;
    try {
      d = JSON.parse(message.data);
    } catch (e) {
      d = {};
    }
    if (!d || typeof d !== 'object') d = {};
    const t = parseTime(d.time);
    if (kind === 'stats') {
      onStats(d, t);
      return;
    }
    const [level, line] = describe(kind, d);
    addLog(level, kind, line, t);
    switch (kind) {
      case 'started':
        model.state = 'running';
        model.failure = '';
        model.uptimeBase = 0;
        model.uptimeAt = performance.now();
        model.ports = new Map();
        for (const port of Array.isArray(d.ports) ? d.ports : [])
          model.ports.set(port, { port: port, state: 'listening', bytes: 0, rate: 0, connections: 0, connections_total: 0, files: 0 });
        model.connections.clear();
        model.openFiles.clear();
        model.totals = {};
        if (typeof d.output === 'string') {
          model.output = d.output;
          $('output').textContent = 'output: ' + d.output;
        }
        break;
      case 'start_failed':
        model.state = 'failed';
        model.failure = text(d.reason);
        break;
      case 'connection_opened':
        model.connections.set(d.id, { id: d.id, port: d.port, peer: d.peer, opened: d.opened, bytes_received: 0, rate: 0, file: d.file });
        break;
      case 'connection_closed':
        model.connections.delete(d.id);
        break;
      case 'file_opened':
        model.openFiles.set(d.file, { file: d.file, port: d.port, bytes: 0, opened: d.time });
        break;
      case 'file_closed':
        model.openFiles.delete(d.file);
        model.closedFiles.unshift(d);
        model.closedFiles.length = Math.min(model.closedFiles.length, MAX_CLOSED_FILES);
        break;
      case 'file_lost':
        model.openFiles.delete(d.file);
        break;
      case 'drain_started':
        model.state = 'stopping';
        break;
      case 'new_run':
        if (typeof d.run_number === 'number') model.run = d.run_number;
        break;
      case 'stopped':
        model.state = 'stopped';
        model.uptimeBase = num(d.uptime_ms) / 1000;
        model.connections.clear();
        model.openFiles.clear();
        for (const p of model.ports.values()) p.rate = 0;
        if (model.totals) model.totals.rate = 0;
        refreshStatus(); // the exact state and final figures
        break;
    }
    renderAll();
  }

  let source = null;
  let retryTimer = 0;
  function connectEvents() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = new EventSource('events');
    source.addEventListener('open', () => {
      model.streamTried = true;
      model.streamUp = true;
      renderBanner();
      refreshStatus(); // whatever happened while the stream was down
    });
    source.addEventListener('error', () => {
      model.streamTried = true;
      model.streamUp = false;
      renderBanner();
      // The browser retries by itself unless the server refused the stream (503: too many).
      if (source.readyState === EventSource.CLOSED) retryTimer = setTimeout(connectEvents, RETRY_MS);
    });
    for (const kind of EVENT_KINDS) source.addEventListener(kind, (message) => onEvent(kind, message));
  }

  // ---- the graph ----

  function niceMaximum(peak) {
    if (!(peak > 1000) || !isFinite(peak)) return { max: 1000, divisions: 4 };
    const base = Math.pow(10, Math.floor(Math.log10(peak)));
    for (const [factor, divisions] of [[1, 4], [2, 4], [2.5, 5], [5, 5], [10, 4]]) {
      if (factor * base >= peak) return { max: factor * base, divisions: divisions };
    }
    return { max: 10 * base, divisions: 4 };
  }

  function drawGraph() {
    const canvas = $('graph');
    const rect = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    // One canvas pixel per device pixel: sharp lines and text on any screen.
    const deviceWidth = Math.max(1, Math.round(rect.width * ratio));
    const deviceHeight = Math.max(1, Math.round(rect.height * ratio));
    if (canvas.width !== deviceWidth || canvas.height !== deviceHeight) {
      canvas.width = deviceWidth;
      canvas.height = deviceHeight;
    }
    const width = deviceWidth / ratio;
    const height = deviceHeight / ratio;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const style = getComputedStyle(document.documentElement);
    const colour = (name) => style.getPropertyValue(name).trim();
    ctx.font = '12px ' + getComputedStyle(document.body).fontFamily;
    ctx.textBaseline = 'middle';

    const samples = model.samples;
    const end = samples.length > 0 ? samples[samples.length - 1].t : Date.now();
    const start = end - HISTORY_MS;
    const visible = samples.filter((s) => s.t >= start);
    let peak = 0;
    for (const s of visible) peak = Math.max(peak, s.total);
    const axis = niceMaximum(peak);
    const labels = [];
    for (let i = 0; i <= axis.divisions; ++i) labels.push(formatRate((axis.max * i) / axis.divisions));
    const labelWidth = Math.max(...labels.map((l) => ctx.measureText(l).width));
    const plot = { left: Math.ceil(labelWidth) + 12, top: 8, right: width - 12, bottom: height - 24 };
    const plotWidth = Math.max(1, plot.right - plot.left);
    const plotHeight = Math.max(1, plot.bottom - plot.top);
    const x = (t) => plot.left + ((t - start) / HISTORY_MS) * plotWidth;
    const y = (rate) => plot.bottom - (Math.min(Math.max(rate, 0), axis.max) / axis.max) * plotHeight;

    // Value axis: grid lines and their labels.
    ctx.lineWidth = 1;
    ctx.strokeStyle = colour('--grid');
    ctx.fillStyle = colour('--muted');
    ctx.textAlign = 'right';
    for (let i = 0; i <= axis.divisions; ++i) {
      const gy = Math.round(plot.bottom - (plotHeight * i) / axis.divisions) + 0.5;
      ctx.beginPath();
      ctx.moveTo(plot.left, gy);
      ctx.lineTo(plot.right, gy);
      ctx.stroke();
      ctx.fillText(labels[i], plot.left - 6, gy);
    }
    // Time axis: ticks back from the newest sample, as far apart as the width allows.
    const stepSeconds = [60, 120, 300].find((s) => (plotWidth * s * 1000) / HISTORY_MS >= 70) || 300;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let back = 0; back * 1000 <= HISTORY_MS; back += stepSeconds) {
      const tx = Math.round(x(end - back * 1000)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(tx, plot.top);
      ctx.lineTo(tx, plot.bottom + 4);
      ctx.stroke();
      const label = back === 0 ? 'now' : back < 60 ? '−' + back + ' s' : '−' + back / 60 + ' min';
      ctx.textAlign = back === 0 ? 'right' : back * 1000 >= HISTORY_MS ? 'left' : 'center';
      ctx.fillText(label, tx, plot.bottom + 7);
    }
    ctx.textBaseline = 'middle';

    if (visible.length === 0) {
      ctx.textAlign = 'center';
      ctx.fillText(model.state === 'running' ? 'waiting for figures…' : 'no figures yet',
        plot.left + plotWidth / 2, plot.top + plotHeight / 2);
      canvas.dataset.samples = '0';
      return;
    }

    // Runs of samples close enough in time to be joined.
    const runs = [];
    let current = [];
    for (const s of visible) {
      if (current.length > 0 && s.t - current[current.length - 1].t > GAP_MS) {
        runs.push(current);
        current = [];
      }
      current.push(s);
    }
    runs.push(current);

    const line = (run, value) => {
      ctx.beginPath();
      run.forEach((s, i) => (i === 0 ? ctx.moveTo(x(s.t), y(value(s))) : ctx.lineTo(x(s.t), y(value(s)))));
      if (run.length === 1) ctx.lineTo(x(run[0].t) + 1, y(value(run[0])));
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.left, plot.top - 2, plotWidth + 1, plotHeight + 3);
    ctx.clip();
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    // Per port, thin, under the total.
    const ports = sortedPorts();
    if (ports.length >= 2 && ports.length <= PORT_COLOURS) {
      ctx.lineWidth = 1.5;
      ports.forEach((p, i) => {
        ctx.strokeStyle = colour('--c' + i);
        for (const run of runs) {
          line(run, (s) => num(s.ports[p.port]));
          ctx.stroke();
        }
      });
    }
    // The total: a filled area and a line.
    for (const run of runs) {
      line(run, (s) => s.total);
      ctx.lineTo(x(run[run.length - 1].t), plot.bottom);
      ctx.lineTo(x(run[0].t), plot.bottom);
      ctx.closePath();
      ctx.fillStyle = colour('--graph-fill');
      ctx.fill();
      line(run, (s) => s.total);
      ctx.lineWidth = 2;
      ctx.strokeStyle = colour('--graph-total');
      ctx.stroke();
    }
    ctx.restore();
    canvas.dataset.samples = String(visible.length);
  }

  // ---- control ----

  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  function storeToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // storage refused (private mode): the token lives in the field only
    }
  }

  function currentToken() {
    return $('token').value || storedToken();
  }

  function controlMessage(message, kind) {
    const p = $('control-message');
    p.textContent = message;
    p.className = 'message' + (kind ? ' ' + kind : '');
  }

  function renderControls() {
    const enabled = model.control && !model.controlRefused;
    $('control').hidden = !model.control;
    $('mode').hidden = enabled;
    const hasToken = currentToken() !== '';
    $('actions').hidden = !enabled || !hasToken;
    $('token-forget').hidden = !hasToken;
    const s = model.state;
    const busy = model.busy;
    $('act-start').disabled = busy || !(s === 'stopped' || s === 'failed');
    $('act-stop').disabled = busy || !(s === 'running' || s === 'starting');
    $('act-rotate').disabled = busy || s !== 'running';
    $('act-newrun').disabled = busy || model.run === null || s === 'starting' || s === 'stopping';
  }

  const ACTIONS = {
    start: { path: 'api/capture/start', label: 'Start' },
    stop: { path: 'api/capture/stop', label: 'Stop' },
    rotate: { path: 'api/capture/rotate', label: 'Rotate' },
    newrun: { path: 'api/run', label: 'New run' },
  };

  async function control(name) {
    const action = ACTIONS[name];
    const token = currentToken();
    if (!action || !token || model.busy) return;
    const request = {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store',
      credentials: 'omit',
    };
    if (name === 'newrun') {
      request.headers['Content-Type'] = 'application/json';
      request.body = JSON.stringify({ run: num(model.run) + 1 });
    }
    model.busy = true;
    renderControls();
    controlMessage(action.label + '…', '');
    try {
      const response = await fetch(action.path, request);
      let answer = null;
      try {
        answer = await response.json();
      } catch (e) {
        answer = null;
      }
      const error = answer && typeof answer.error === 'string' ? answer.error : '';
      if (response.ok && answer && answer.ok === true) {
        if (typeof answer.state === 'string') model.state = answer.state;
        if (typeof answer.run_number === 'number') model.run = answer.run_number;
        controlMessage(action.label + ': done — ' + text(answer.state) +
          (answer.run_number !== undefined ? ', run ' + text(answer.run_number) : ''), 'ok');
      } else if (response.status === 401) {
        storeToken('');
        $('token').value = '';
        controlMessage('Token refused' + (error ? ': ' + error : '') + ' — enter it again.', 'error');
        $('token').focus();
      } else if (response.status === 404) {
        model.controlRefused = true;
        controlMessage('Control is disabled on this receiver (read-only).', 'error');
      } else {
        controlMessage(action.label + ' refused (' + response.status + '): ' +
          (error || response.statusText || 'no reason given'), 'error');
      }
    } catch (e) {
      controlMessage(action.label + ' failed: ' + e.message, 'error');
    } finally {
      model.busy = false;
      renderState();
      refreshStatus();
    }
  }

  // ---- start ----

  function init() {
    $('host').textContent = location.host;
    const token = $('token');
    token.value = storedToken();
    token.addEventListener('input', () => {
      storeToken(token.value);
      controlMessage('', '');
      renderControls();
    });
    $('token-form').addEventListener('submit', (e) => e.preventDefault());
    $('token-forget').addEventListener('click', () => {
      token.value = '';
      storeToken('');
      controlMessage('Token forgotten.', '');
      renderControls();
    });
    for (const button of document.querySelectorAll('#actions button'))
      button.addEventListener('click', () => control(button.dataset.action));

    renderAll();
    refreshStatus();
    connectEvents();
    setInterval(renderUptime, 1000);
    setInterval(() => {
      if (document.visibilityState === 'visible') refreshStatus();
    }, REFRESH_MS);
    let resizeFrame = 0;
    window.addEventListener('resize', () => {
      cancelAnimationFrame(resizeFrame);
      resizeFrame = requestAnimationFrame(drawGraph);
    });
    // A theme change (light/dark) redraws the graph in the new colours.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawGraph);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
