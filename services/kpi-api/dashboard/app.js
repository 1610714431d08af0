// kpi-api's dashboard: reads the KPI endpoints (the same JSON any client gets), draws them with
// Chart.js, and writes every number it shows into the DOM too (data-value attributes) so the
// browser test can compare them with the API.
'use strict';

const REFRESH_MS = 10000;
const charts = {};
const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US');

function filters() {
  const form = document.getElementById('filters');
  return { from: form.from.value, to: form.to.value, region: form.region.value };
}

/** GET an endpoint with the given parameters (empty ones left out); its `data`, or throws
 *  the API's error message. */
async function kpi(name, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined) query.set(k, v);
  const path = `/v1/kpi/${name}${query.toString() ? '?' + query : ''}`;
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  let body;
  try { body = await res.json(); } catch (e) { throw new Error(`${path}: HTTP ${res.status}`); }
  if (!res.ok) {
    const err = body && body.error;
    throw new Error(`${path}: ${err ? err.code + ' — ' + err.message : 'HTTP ' + res.status}`);
  }
  return body.data;
}

/** Draws (or redraws) a chart by canvas id. */
function draw(id, type, labels, datasets, options = {}) {
  if (charts[id]) {
    charts[id].data.labels = labels;
    charts[id].data.datasets = datasets;
    charts[id].update('none');
    return;
  }
  charts[id] = new Chart(document.getElementById(id), {
    type, data: { labels, datasets },
    options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: true }, options),
  });
}

/** Writes a chart's numbers into its table: one row per key, each value as data-<name>. */
function table(name, rows) {
  const t = document.querySelector(`table[data-table="${name}"]`);
  t.replaceChildren(...rows.map(({ key, ...values }) => {
    const tr = document.createElement('tr');
    tr.dataset.key = key;
    const th = document.createElement('th');
    th.textContent = key;
    tr.append(th);
    for (const [k, v] of Object.entries(values)) {
      tr.dataset[k] = v === null ? '' : String(v);
      const td = document.createElement('td');
      td.textContent = v === null ? '' : String(v);
      tr.append(td);
    }
    return tr;
  }));
}

async function refreshRegions() {
  // The region list comes from the data itself (unfiltered).
  const rows = await kpi('sales-by-region');
  const select = document.getElementById('filters').region;
  const chosen = select.value;
  const names = rows.map((r) => r.region).sort();
  select.replaceChildren(new Option('All regions', ''), ...names.map((n) => new Option(n, n)));
  select.value = names.includes(chosen) ? chosen : '';
}

async function refresh() {
  const { from, to, region } = filters();
  const orders = { from, to, region };
  const dates = { from, to };
  const [summary, regions, products, categories, daily, status, weekend, dau, funnel] =
    await Promise.all([
      kpi('summary', orders),
      kpi('sales-by-region', dates),  // by region: every region, whatever the region filter
      kpi('sales-by-product', { ...orders, limit: 10 }),
      kpi('sales-by-category', orders),
      kpi('daily-revenue', orders),
      kpi('order-status', orders),
      kpi('weekend-vs-weekday', orders),
      kpi('dau', dates),
      kpi('funnel', { ...dates, limit: 1000 }),
    ]);

  for (const el of document.querySelectorAll('[data-kpi]')) {
    const v = summary[el.dataset.kpi];
    el.dataset.value = v === null || v === undefined ? '' : String(v);
    el.textContent = /revenue|value/.test(el.dataset.kpi) ? money.format(v) : count.format(v);
  }

  draw('chart-region', 'bar', regions.map((r) => r.region),
       [{ label: 'Revenue', data: regions.map((r) => r.revenue) }]);
  draw('chart-region-share', 'doughnut', regions.map((r) => `${r.region} (${r.revenue_share_pct}%)`),
       [{ data: regions.map((r) => r.revenue_share_pct) }]);
  table('region', regions.map((r) => ({ key: r.region, revenue: r.revenue, share: r.revenue_share_pct, orders: r.orders })));

  draw('chart-products', 'bar', products.map((p) => p.product),
       [{ label: 'Revenue', data: products.map((p) => p.revenue) }], { indexAxis: 'y' });
  table('products', products.map((p) => ({ key: p.product, revenue: p.revenue, rank: p.revenue_rank })));

  draw('chart-categories', 'pie', categories.map((c) => c.category),
       [{ data: categories.map((c) => c.revenue) }]);
  table('categories', categories.map((c) => ({ key: c.category, revenue: c.revenue, share: c.revenue_share_pct })));

  draw('chart-daily', 'line', daily.map((d) => d.date), [
    { label: 'Revenue', data: daily.map((d) => d.revenue) },
    { label: '7-day average', data: daily.map((d) => d.revenue_7day_avg), borderDash: [6, 4] },
  ]);
  table('daily', daily.map((d) => ({ key: d.date, revenue: d.revenue, avg: d.revenue_7day_avg })));

  draw('chart-status', 'doughnut', status.map((s) => s.status), [{ data: status.map((s) => s.orders) }]);
  table('status', status.map((s) => ({ key: s.status, orders: s.orders, revenue: s.revenue })));

  draw('chart-weekend', 'bar', weekend.map((w) => w.day_type),
       [{ label: 'Revenue per day', data: weekend.map((w) => w.revenue_per_day) }]);
  table('weekend', weekend.map((w) => ({ key: w.day_type, perday: w.revenue_per_day, days: w.days })));

  const days = [...new Set(dau.map((d) => d.date))];
  const platforms = [...new Set(dau.map((d) => d.platform))];
  draw('chart-dau', 'bar', days, platforms.map((p) => ({
    label: p,
    data: days.map((day) => (dau.find((d) => d.date === day && d.platform === p) || { dau: 0 }).dau),
  })));
  table('dau', dau.map((d) => ({ key: `${d.date} ${d.platform}`, dau: d.dau, sessions: d.sessions })));

  const steps = ['product_views', 'add_to_cart', 'checkout_started', 'purchases'];
  const totals = steps.map((s) => funnel.reduce((sum, row) => sum + row[s], 0));
  draw('chart-funnel', 'bar', ['Product views', 'Add to cart', 'Checkout started', 'Purchases'],
       [{ label: 'Events', data: totals }]);
  table('funnel', steps.map((s, i) => ({ key: s, events: totals[i] })));
}

async function update() {
  const status = document.getElementById('status');
  try {
    await refreshRegions();
    await refresh();
    document.body.dataset.state = 'ready';
    status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    document.body.dataset.state = 'error';
    status.textContent = `Could not load the KPIs: ${e.message}`;
  }
}

document.getElementById('filters').addEventListener('change', update);
document.getElementById('filters').addEventListener('reset', () => setTimeout(update, 0));
update();
setInterval(update, REFRESH_MS);
