// kpi-api's dashboard: reads the KPI endpoints (the same JSON any client gets), draws them with
// Chart.js, and writes every number it shows into the DOM too — data-value on each card, one
// table per chart whose rows carry the API's fields as data-<field> — so that the browser test
// can compare them with the API. Filters live in the URL's fragment (#from=…&to=…&region=…),
// which never reaches the server, so a filtered view can be linked to.
'use strict';

const REFRESH_MS = 10000;
const FUNNEL_LIMIT = 1000;  // the API's largest limit: the funnel sums over that many products
const form = document.getElementById('filters');
const charts = {};
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US');
let generation = 0;  // the newest update; answers to older ones are dropped

// ------------------------------------------------------------------------------ filters

function filters() {
  return { from: form.from.value, to: form.to.value, region: form.region.value };
}

function filtersFromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  return { from: h.get('from') || '', to: h.get('to') || '', region: h.get('region') || '' };
}

function writeHash() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters())) if (v) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, '', s ? `#${s}` : location.pathname);
}

/** Fills the region select from the data (every region with orders), keeping `wanted` even
 *  when it has none, so that a linked filter is applied rather than silently dropped. */
function fillRegions(rows, wanted) {
  const names = rows.map((r) => r.region).sort();
  if (wanted && !names.includes(wanted)) names.push(wanted);
  const select = form.region;
  const current = [...select.options].slice(1).map((o) => o.value);
  // Rebuilt only when the list changed, so a refresh does not close a select being used.
  if (current.join('\n') !== names.join('\n')) {
    select.replaceChildren(new Option('All regions', ''), ...names.map((n) => new Option(n, n)));
  }
  select.value = wanted;
}

// ------------------------------------------------------------------------------ the API

class ApiError extends Error {
  constructor(path, status, error) {
    super(`${path}: ${error ? `${error.code}: ${error.message}` : `HTTP ${status}`}` +
          (error && error.details && error.details.length ? ` (${error.details.join('; ')})` : ''));
    this.status = status;
    this.code = error ? error.code : `http_${status}`;
  }
}

/** GET /v1/kpi/<name> with the given parameters (empty ones left out); its `data`. Throws
 *  ApiError with the API's error code and message. */
async function kpi(name, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined) query.set(k, v);
  const path = `/v1/kpi/${name}${query.toString() ? `?${query}` : ''}`;
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new ApiError(path, 0, { code: 'unreachable', message: 'kpi-api did not answer' });
  }
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON: reported by status below */ }
  if (!res.ok || !body) throw new ApiError(path, res.status, body && body.error);
  return body.data;
}

// ------------------------------------------------------------------------------ drawing

/** Draws (or redraws in place) the chart on canvas `id`. */
function draw(id, type, labels, datasets, options = {}) {
  if (charts[id]) {
    charts[id].data.labels = labels;
    charts[id].data.datasets = datasets;
    charts[id].update('none');
    return;
  }
  charts[id] = new Chart(document.getElementById(id), {
    type,
    data: { labels, datasets },
    options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: false },
                           options),
  });
}

function shown(v) { return v === null || v === undefined ? '' : String(v); }

/** Writes the numbers behind a chart into its table: one row per `key`, each field also as
 *  data-<field> (the API's field names; values as the API sent them). */
function table(name, key, fields, rows) {
  const t = document.querySelector(`table[data-table="${name}"]`);
  const head = document.createElement('tr');
  for (const f of [key, ...fields]) {
    const th = document.createElement('th');
    th.textContent = f;
    head.append(th);
  }
  t.replaceChildren(head, ...rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.key = shown(row[key]);
    const th = document.createElement('th');
    th.textContent = shown(row[key]);
    tr.append(th);
    for (const f of fields) {
      tr.dataset[f] = shown(row[f]);
      const td = document.createElement('td');
      td.textContent = shown(row[f]);
      tr.append(td);
    }
    return tr;
  }));
  t.dataset.rows = String(rows.length);
}

function cards(summary) {
  for (const el of document.querySelectorAll('[data-kpi]')) {
    const v = summary[el.dataset.kpi];
    el.dataset.value = shown(v);
    if (v === null || v === undefined) el.textContent = '–';
    else el.textContent = /revenue|value/.test(el.dataset.kpi) ? money.format(v) : count.format(v);
  }
}

function render(d) {
  cards(d.summary);

  draw('chart-region', 'bar', d.regions.map((r) => r.region),
       [{ label: 'Revenue', data: d.regions.map((r) => r.revenue) }]);
  draw('chart-region-share', 'doughnut',
       d.regions.map((r) => `${r.region} (${r.revenue_share_pct}%)`),
       [{ data: d.regions.map((r) => r.revenue_share_pct) }]);
  table('region', 'region', ['orders', 'revenue', 'revenue_share_pct'], d.regions);

  draw('chart-products', 'bar', d.products.map((p) => p.product),
       [{ label: 'Revenue', data: d.products.map((p) => p.revenue) }], { indexAxis: 'y' });
  table('products', 'product', ['category', 'orders', 'units', 'revenue', 'revenue_rank'],
        d.products);

  draw('chart-categories', 'pie', d.categories.map((c) => c.category),
       [{ data: d.categories.map((c) => c.revenue) }]);
  table('categories', 'category', ['orders', 'units', 'revenue', 'revenue_share_pct'],
        d.categories);

  draw('chart-daily', 'line', d.daily.map((r) => r.date), [
    { label: 'Revenue', data: d.daily.map((r) => r.revenue) },
    { label: '7-day average', data: d.daily.map((r) => r.revenue_7day_avg), borderDash: [6, 4] },
  ]);
  table('daily', 'date', ['orders', 'revenue', 'revenue_7day_avg'], d.daily);

  draw('chart-status', 'doughnut', d.status.map((s) => s.status),
       [{ data: d.status.map((s) => s.orders) }]);
  table('status', 'status', ['orders', 'revenue', 'orders_pct'], d.status);

  draw('chart-weekend', 'bar', d.weekend.map((w) => w.day_type),
       [{ label: 'Revenue per day', data: d.weekend.map((w) => w.revenue_per_day) }]);
  table('weekend', 'day_type', ['days', 'orders', 'revenue', 'revenue_per_day'], d.weekend);

  // One line per platform; a day without a platform's users is 0. Not stacked: a user active
  // on two platforms counts in each, so the lines do not add up to all users.
  const days = [...new Set(d.dau.map((r) => r.date))].sort();
  const platforms = [...new Set(d.dau.map((r) => r.platform))].sort();
  const dau = new Map(d.dau.map((r) => [`${r.date} ${r.platform}`, r]));
  draw('chart-dau', 'line', days, platforms.map((p) => ({
    label: p,
    data: days.map((day) => (dau.get(`${day} ${p}`) || { dau: 0 }).dau),
  })));
  table('dau', 'date', ['platform', 'dau', 'sessions', 'events'], d.dau);

  const steps = [['product_views', 'Product views'], ['add_to_cart', 'Add to cart'],
                 ['checkout_started', 'Checkout started'], ['purchases', 'Purchases']];
  const totals = steps.map(([field, label]) => ({
    step: field, label, events: d.funnel.reduce((sum, row) => sum + row[field], 0),
  }));
  draw('chart-funnel', 'bar', totals.map((t) => t.label),
       [{ label: 'Events', data: totals.map((t) => t.events) }]);
  table('funnel', 'step', ['events'], totals);
  document.getElementById('funnel-scope').textContent =
      d.funnel.length >= FUNNEL_LIMIT ? `the ${FUNNEL_LIMIT} most viewed products` : 'all products';
}

// ------------------------------------------------------------------------------ updating

async function update() {
  const mine = ++generation;
  const { from, to, region } = filters();
  const orders = { from, to, region };
  const dates = { from, to };  // dau and funnel: interactions have no region
  const status = document.getElementById('status');
  try {
    if (typeof Chart === 'undefined') {
      throw new ApiError('/dashboard/chart.umd.js', 0,
                         { code: 'chart_library_missing', message: 'Chart.js did not load' });
    }
    const [allRegions, summary, regions, products, categories, daily, orderStatus, weekend,
           dau, funnel] = await Promise.all([
      kpi('sales-by-region'),        // the region filter's choices: every region, all time
      kpi('summary', orders),
      kpi('sales-by-region', dates),  // every region's share, whatever region is chosen
      kpi('sales-by-product', { ...orders, limit: 10 }),
      kpi('sales-by-category', orders),
      kpi('daily-revenue', orders),
      kpi('order-status', orders),
      kpi('weekend-vs-weekday', orders),
      kpi('dau', dates),
      kpi('funnel', { ...dates, limit: FUNNEL_LIMIT }),
    ]);
    if (mine !== generation) return;  // the filters changed meanwhile: a newer update draws
    fillRegions(allRegions, region);
    render({ summary, regions, products, categories, daily, status: orderStatus, weekend, dau,
             funnel });
    document.body.dataset.state = 'ready';
    delete status.dataset.errorCode;
    status.textContent = `Updated ${new Date().toLocaleTimeString()}` +
        (summary.last_ingested_at ? `; data ingested until ${summary.last_ingested_at}` : '');
  } catch (e) {
    if (mine !== generation) return;
    document.body.dataset.state = 'error';
    status.dataset.errorCode = e.code || 'script_error';
    status.textContent = `Could not load the KPIs: ${e.message}`;
  }
}

const wanted = filtersFromHash();
form.from.value = wanted.from;
form.to.value = wanted.to;
fillRegions([], wanted.region);

form.addEventListener('change', () => { writeHash(); update(); });
form.addEventListener('reset', () => setTimeout(() => { writeHash(); update(); }, 0));
window.addEventListener('hashchange', () => {
  const h = filtersFromHash();
  form.from.value = h.from;
  form.to.value = h.to;
  fillRegions([...form.region.options].slice(1).map((o) => ({ region: o.value })), h.region);
  update();
});
document.getElementById('show-numbers').addEventListener('change', (e) => {
  document.body.classList.toggle('show-numbers', e.target.checked);
});
document.addEventListener('visibilitychange', () => { if (!document.hidden) update(); });
setInterval(() => { if (!document.hidden) update(); }, REFRESH_MS);
update();
