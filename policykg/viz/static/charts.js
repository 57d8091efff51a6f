/* policykg budget charts (ECharts, vendored): annual budget floors by section, clause, industry and
 * instrument, and the fund scales, which are not annual budgets, in a chart of their own. */
(function () {
  'use strict';
  var PKG = window.PKG;
  var CFG = PKG.cfg;
  var h = PKG.h;
  var yuan = PKG.yuan;
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif';
  var SECTION_COLOURS = ['#1f3a93', '#e8833a', '#2ca25f', '#8e5ea2', '#17a2b8', '#d4a017', '#e05297', '#6d4c41'];
  var GROUP_NAMES = { '1': '“1” 主导产业', '5': '“5” 重点产业', 'N': '“N” 未来产业' };
  PKG.charts = {};

  function esc(v) { return echarts.format.encodeHTML(String(v === null || v === undefined ? '' : v)); }

  function yi(v) { return Math.round((v || 0) / 1e4) / 1e4; } // yuan -> 亿元 with 4 decimals

  function card(id, title, note, cls) {
    var chart = h('div', { class: 'chart' + (cls && cls.indexOf('tall') >= 0 ? ' tall' : ''), id: 'chart-' + id });
    var c = h('div', { class: 'card ' + (cls || '') }, h('h3', { text: title }), note ? h('p', { class: 'note', text: note }) : null, chart);
    document.getElementById('charts').appendChild(c);
    return chart;
  }

  function base(extra) {
    return Object.assign({
      textStyle: { fontFamily: FONT },
      animation: false,
      tooltip: { trigger: 'item', textStyle: { fontFamily: FONT } },
      grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true }
    }, extra);
  }

  function mount(id, el, option, onClick) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(option);
    if (onClick) chart.on('click', onClick);
    PKG.charts[id] = chart;
    return chart;
  }

  function openFrom(params) {
    var id = params.data && params.data.id;
    if (id) PKG.openPanel(id, params.data);
  }

  function draw(b) {
    PKG.budget = b;
    var root = document.getElementById('charts');
    root.textContent = '';
    var kpis = h('div', { class: 'kpis card wide', id: 'kpis' },
      h('div', { class: 'kpi' }, h('div', { class: 'v', text: yuan(b.annual_floor_total_cny) }), h('div', { class: 'l', text: '年度预算下限合计 annual budget floors (' + b.clauses_with_floor + ' / ' + b.clauses + ' 条措施)' })),
      b.other_floor_total_cny ? h('div', { class: 'kpi' }, h('div', { class: 'v', text: yuan(b.other_floor_total_cny) }), h('div', { class: 'l', text: '其他期限的预算 floors for another period' })) : null,
      h('div', { class: 'kpi fund' }, h('div', { class: 'v', text: yuan(b.fund_scale_total_cny) }), h('div', { class: 'l', text: '基金规模（单列，非年度预算）fund scales, kept apart' })),
      h('div', { class: 'kpi' }, h('div', { class: 'v', text: (b.documents || []).length }), h('div', { class: 'l', text: '文件 documents in force on ' + b.as_of })));
    root.appendChild(kpis);
    var sectionIndex = {};
    b.by_section.forEach(function (s, i) { sectionIndex[s.id] = i; });
    var secColour = function (id) { return SECTION_COLOURS[(sectionIndex[id] || 0) % SECTION_COLOURS.length]; };

    // by section: bar
    var secData = b.by_section.map(function (s) {
      return { value: yi(s.annual_floor_cny), id: s.id, name: s.label + ' ' + (s.title || ''), itemStyle: { color: secColour(s.id) } };
    });
    mount('section', card('section', '按章节 By section（亿元/年）', '每条措施只计入其所在章节，各章节之和等于合计。'), base({
      xAxis: { type: 'category', data: secData.map(function (d) { return d.name.slice(0, 8); }), axisLabel: { interval: 0, rotate: 20, fontFamily: FONT } },
      yAxis: { type: 'value', name: '亿元' },
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.data.name) + '<br>' + p.value + ' 亿元/年'; } },
      series: [{ type: 'bar', data: secData, label: { show: true, position: 'top', formatter: '{c}' } }]
    }), openFrom);

    // by instrument: bar
    var instData = b.by_instrument.map(function (r) { return { value: yi(r.annual_floor_cny), id: r.id, name: r.name, clauses: r.clauses.length }; })
      .sort(function (a, z) { return z.value - a.value; });
    if (b.by_instrument_unassigned && b.by_instrument_unassigned.clauses.length) {
      instData.push({ value: yi(b.by_instrument_unassigned.annual_floor_cny), name: '未指明工具 unassigned', clauses: b.by_instrument_unassigned.clauses.length, itemStyle: { color: '#bdc3c7' } });
    }
    mount('instrument', card('instrument', '按政策工具 By instrument（亿元/年）', b.notes && b.notes.by_instrument), base({
      xAxis: { type: 'value', name: '亿元' },
      yAxis: { type: 'category', inverse: true, data: instData.map(function (d) { return d.name; }), axisLabel: { fontFamily: FONT } },
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.data.name) + '<br>' + p.value + ' 亿元/年 · ' + p.data.clauses + ' 条措施'; } },
      series: [{ type: 'bar', data: instData, itemStyle: { color: '#17a2b8' }, label: { show: true, position: 'right' } }]
    }), openFrom);

    // by clause: horizontal bar, coloured by section
    var clauses = b.by_clause.slice().sort(function (a, z) { return (z.annual_floor_cny || 0) - (a.annual_floor_cny || 0); });
    var clauseData = clauses.map(function (c) {
      return { value: yi(c.annual_floor_cny), id: c.id, name: c.label + '. ' + (c.title || ''), section: c.section_label, itemStyle: { color: secColour(c.section) } };
    });
    var clauseEl = card('clause', '按条款 By clause（亿元/年）', '颜色表示章节；单击条形查看原文。 Colour = section; click a bar for its text.', 'wide tall');
    mount('clause', clauseEl, base({
      xAxis: { type: 'value', name: '亿元' },
      yAxis: { type: 'category', inverse: true, data: clauseData.map(function (d) { return d.name; }), axisLabel: { interval: 0, fontFamily: FONT } },
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.data.name) + '（' + esc(p.data.section) + '）<br>' + p.value + ' 亿元/年'; } },
      series: [{ type: 'bar', data: clauseData, label: { show: true, position: 'right' } }]
    }), openFrom);

    // by industry: treemap grouped by 1 / 5 / N / other
    var groups = {};
    b.by_industry.forEach(function (r) {
      var g = GROUP_NAMES[r.group] || '其他产业 other sectors';
      (groups[g] = groups[g] || []).push({ name: r.name, id: r.id, value: yi(r.annual_floor_cny), clauses: r.clauses.length });
    });
    var tree = Object.keys(groups).map(function (g) { return { name: g, children: groups[g] }; });
    if (b.by_industry_unassigned && b.by_industry_unassigned.clauses.length) {
      tree.push({ name: '未指明产业 unassigned', value: yi(b.by_industry_unassigned.annual_floor_cny), clauses: b.by_industry_unassigned.clauses.length, itemStyle: { color: '#bdc3c7' } });
    }
    PKG.state.industryCells = b.by_industry.length;
    mount('industry', card('industry', '按产业 By industry（亿元/年）', b.notes && b.notes.by_industry, 'wide'), base({
      tooltip: { formatter: function (p) { return esc(p.name) + '<br>' + (p.value || 0) + ' 亿元/年' + (p.data && p.data.clauses ? ' · ' + p.data.clauses + ' 条措施' : ''); } },
      series: [{ type: 'treemap', data: tree, roam: false, nodeClick: false, breadcrumb: { show: false }, width: '100%', height: '100%',
        label: { show: true, fontFamily: FONT, formatter: function (p) { return p.name + '\n' + (p.value || 0) + ' 亿'; } },
        upperLabel: { show: true, height: 22, fontFamily: FONT, color: '#fff' },
        levels: [{ itemStyle: { borderColor: '#fff', borderWidth: 3, gapWidth: 3 } }, { colorSaturation: [0.35, 0.6], itemStyle: { gapWidth: 1 } }] }]
    }), openFrom);

    // fund scales, apart
    var funds = b.by_clause.filter(function (c) { return c.fund_scale_cny; }).map(function (c) {
      return { value: yi(c.fund_scale_cny), id: c.id, name: c.label + '. ' + (c.title || ''), itemStyle: { color: '#c0392b' } };
    });
    var fundEl = card('funds', '基金规模（单列）Fund scales, shown apart（亿元）', '基金规模（如“常态化保持50亿元以上”）不是年度预算，不计入上面的合计。 Fund scales are not annual budgets and are not in the totals above.', 'wide fund');
    mount('funds', fundEl, base({
      xAxis: { type: 'value', name: '亿元' },
      yAxis: { type: 'category', data: funds.map(function (d) { return d.name; }), axisLabel: { fontFamily: FONT } },
      series: [{ type: 'bar', data: funds, barMaxWidth: 40, label: { show: true, position: 'right', formatter: '{c} 亿元' } }]
    }), openFrom);
    fundEl.style.height = Math.max(120, 60 + 46 * funds.length) + 'px';
    PKG.charts.funds.resize();

    document.getElementById('count').textContent = b.clauses + ' 条措施 measures · ' + (b.documents || []).map(function (d) { return d.doc_number || d.title; }).join('、');
    var side = document.getElementById('side');
    side.textContent = '';
    side.appendChild(h('h3', { text: '说明 Notes' }));
    side.appendChild(h('ul', { class: 'list' }, Object.keys(b.notes || {}).map(function (k) { return h('li', null, h('b', { text: k }), h('div', { class: 'sub', text: b.notes[k] })); })));
    PKG.state.bars = { section: secData.length, clause: clauseData.length, instrument: instData.length, funds: funds.length, industry: b.by_industry.length };
    PKG.state.api = { section: b.by_section.length, clause: b.by_clause.length, instrument: b.by_instrument.length + (b.by_instrument_unassigned && b.by_instrument_unassigned.clauses.length ? 1 : 0),
      funds: b.by_clause.filter(function (c) { return c.fund_scale_cny; }).length, industry: b.by_industry.length };
    PKG.state.ready = true;
  }

  window.addEventListener('resize', function () { Object.keys(PKG.charts).forEach(function (k) { PKG.charts[k].resize(); }); });

  document.addEventListener('DOMContentLoaded', function () {
    if (CFG.view !== 'budget') return;
    if (PKG.emb) return draw(PKG.emb.budget);
    PKG.getJSON(PKG.url(CFG.api.budget, CFG.params)).then(draw).catch(function (e) { PKG.showError(e.message); });
  });
})();
