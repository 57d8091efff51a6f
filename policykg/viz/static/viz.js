/* policykg pages: the node panel, search, legend filters and the network pages (vis-network).
 * Served pages fetch their data from the API (same origin); standalone files carry it in
 * <script id="pkg-data">. No request ever goes to another host. */
(function () {
  'use strict';

  var CFG = JSON.parse(document.getElementById('pkg-config').textContent);
  var dataEl = document.getElementById('pkg-data');
  var EMB = dataEl ? JSON.parse(dataEl.textContent) : null;
  var PKG = window.PKG = { cfg: CFG, emb: EMB, state: { ready: false, view: CFG.view }, sidebars: {} };

  // --- small helpers ------------------------------------------------------------------------------
  function h(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') node.textContent = v;
        else if (k === 'class') node.className = v;
        else if (k === 'style') node.setAttribute('style', v);
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) node.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
      else node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  PKG.h = h;

  function yuan(v) {
    if (v === null || v === undefined || v === '') return '';
    var n = Number(v);
    var units = [['亿元', 1e8], ['万元', 1e4]];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(n) >= units[i][1]) return String(Number((n / units[i][1]).toFixed(2))) + units[i][0];
    }
    return String(Math.round(n)) + '元';
  }
  PKG.yuan = yuan;

  function est(e) {
    if (!e) return '';
    return e.low === e.high ? '≈' + yuan(e.low) : '≈' + yuan(e.low) + '–' + yuan(e.high);
  }
  PKG.est = est;

  function url(base, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== '') q.set(k, v);
    });
    var s = q.toString();
    return s ? base + '?' + s : base;
  }
  PKG.url = url;

  function getJSON(u) {
    return fetch(u, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) {
          var msg = body && body.error ? body.error.message : ('HTTP ' + r.status);
          var err = new Error(msg);
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }
  PKG.getJSON = getJSON;

  function showError(msg) {
    var banner = document.getElementById('count');
    if (banner) { banner.className = 'count'; banner.textContent = ''; banner.appendChild(h('span', { class: 'error', text: '出错 Error: ' + msg })); }
    PKG.state.error = msg;
    PKG.state.ready = true;
  }
  PKG.showError = showError;

  function typeName(t) {
    var legend = (PKG.graph && PKG.graph.legend) || [];
    for (var i = 0; i < legend.length; i++) if (legend[i].type === t) return legend[i].name;
    return t;
  }

  // --- the node panel -----------------------------------------------------------------------------
  var panel = document.getElementById('panel');
  var panelBody = document.getElementById('panel-body');
  if (panel) {
    document.getElementById('panel-close').addEventListener('click', function () { closePanel(); });
  }
  function closePanel() {
    if (!panel) return;
    panel.classList.remove('open');
    panel.setAttribute('aria-hidden', 'true');
  }
  PKG.closePanel = closePanel;

  function fmtValue(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.join('、');
    if (typeof v === 'object') return Object.keys(v).map(function (k) { return k + ': ' + fmtValue(v[k]); }).join('；');
    if (typeof v === 'boolean') return v ? '是 true' : '否 false';
    return String(v);
  }

  function kvTable(obj) {
    var rows = Object.keys(obj || {}).map(function (k) {
      var v = obj[k];
      var shown = fmtValue(v);
      if (/_cny$/.test(k) && typeof v === 'number') shown = yuan(v) + '（' + v.toLocaleString() + ' 元）';
      return h('tr', null, h('th', { text: k }), h('td', { text: shown }));
    });
    return h('table', { class: 'kv' }, rows);
  }

  function evidenceItem(ev) {
    var q = h('div', { class: 'quote' });
    if (ev.context) {
      q.appendChild(h('span', { class: 'ctx', text: '…' + ev.context.before }));
      q.appendChild(h('mark', { text: ev.context.quote }));
      q.appendChild(h('span', { class: 'ctx', text: ev.context.after + '…' }));
    } else {
      q.appendChild(h('mark', { text: ev.quote }));
    }
    var doc = ev.document || {};
    var src = h('div', { class: 'src' },
      '文件 ', h('b', { class: 'ev-doc', text: doc.doc_number || doc.title || doc.id || '' }),
      doc.title && doc.doc_number ? ' 《' + doc.title + '》' : '');
    var cl = ev.clause;
    var where = h('div', { class: 'src' });
    if (cl) {
      where.appendChild(document.createTextNode('条款 '));
      where.appendChild(h('b', { class: 'ev-clause', text: (cl.kind === 'annex' ? '附则 ' : '第 ') + cl.label + (cl.kind === 'annex' ? '' : ' 条') }));
      if (cl.title) where.appendChild(document.createTextNode(' ' + cl.title));
    } else if (ev.via && ev.via.other && ev.via.other.type === 'Section') {
      where.appendChild(document.createTextNode('章节 '));
      where.appendChild(h('b', { class: 'ev-clause', text: ev.via.other.name }));
    }
    where.appendChild(h('span', { class: 'muted', text: '  字符 [' + ev.span[0] + ', ' + ev.span[1] + ')' + (ev.exact ? ' ✓' : '') }));
    var via = ev.via ? h('div', { class: 'src', text: '关系 ' + ev.via.type + ' ' + ev.via.type_name + (ev.via.direction === 'in' ? ' ← ' : ' → ') + (ev.via.other.name || ev.via.other.id) }) : h('div', { class: 'src', text: '本节点的原文 the node\'s own text' });
    return h('li', { class: 'ev' }, q, src, where, via);
  }

  function renderDetail(d, hint) {
    panelBody.textContent = '';
    var color = hint && PKG.graph && PKG.graph.options.groups && PKG.graph.options.groups[d.type] ? PKG.graph.options.groups[d.type].color.background : '#999';
    panelBody.appendChild(h('div', null, h('span', { class: 'badge', style: 'background:' + color + ';color:#fff', text: d.type_name || d.type })));
    panelBody.appendChild(h('h2', { id: 'panel-title', text: d.name || d.id }));
    panelBody.appendChild(h('div', { class: 'muted', text: d.id }));
    if (hint && hint.status) {
      panelBody.appendChild(h('p', null, h('span', { class: 'badge ' + hint.status, text: ({ met: '符合 met', unknown: '待定 unknown', not_met: '不符合 not met' })[hint.status] }), hint.estimate_cny ? ' 测算 estimate ' + est(hint.estimate_cny) : ''));
    }
    if (hint && hint.gaps && hint.gaps.length) {
      panelBody.appendChild(h('p', null, '缺口 gaps: ', hint.gaps.map(function (g) { return h('span', { class: 'badge gap', text: g }); })));
    }
    var evs = d.evidence || [];
    panelBody.appendChild(h('h4', { text: '原文证据 Evidence（' + evs.length + '）' }));
    if (evs.length) {
      panelBody.appendChild(h('ul', { class: 'evidence', id: 'evidence' }, evs.slice(0, 60).map(evidenceItem)));
      if (evs.length > 60) panelBody.appendChild(h('p', { class: 'muted', text: '另有 ' + (evs.length - 60) + ' 条 more' }));
    } else {
      panelBody.appendChild(h('p', { class: 'muted', id: 'evidence-none', text: '非文件抽取的数据（登记或导入），无原文引用。 Not extracted from a document: no quoted text.' }));
    }
    if (hint && hint.by_place) {
      panelBody.appendChild(h('h4', { text: '企业 Enterprises（' + hint.enterprises + '）按地点 by place' }));
      panelBody.appendChild(kvTable(hint.by_place));
      panelBody.appendChild(h('h4', { text: '按企业类别 by tier' }));
      panelBody.appendChild(kvTable(hint.by_tier || {}));
    }
    panelBody.appendChild(h('h4', { text: '属性 Properties' }));
    panelBody.appendChild(kvTable(d.properties));
    if (d.links && d.links.length) {
      panelBody.appendChild(h('h4', { text: '关系 Relationships' }));
      panelBody.appendChild(h('ul', { class: 'list' }, d.links.map(function (l) {
        return h('li', { onclick: function () { if (l.sample[0]) PKG.focusOrOpen(l.sample[0].id); } },
          h('b', { text: l.type + ' ' + l.type_name + (l.direction === 'in' ? ' ←' : ' →') + ' ' + l.count }),
          h('div', { class: 'sub', text: l.sample.map(function (s) { return s.name; }).join('、') + (l.count > l.sample.length ? ' …' : '') }));
      })));
    }
    var actions = h('div', { class: 'actions' });
    if (CFG.mode === 'api') {
      actions.appendChild(h('a', { href: url(CFG.links.explore, { id: d.id, depth: 1 }), text: '在邻域探索中打开 Explore →' }));
      if (d.type === 'Enterprise') actions.appendChild(h('a', { href: url(CFG.links.enterprise, { uscc: d.id }), text: '企业视图 Enterprise view →' }));
    }
    panelBody.appendChild(actions);
  }

  function renderInfo(node) {
    panelBody.textContent = '';
    panelBody.appendChild(h('div', null, h('span', { class: 'badge', text: typeName(node.group) })));
    panelBody.appendChild(h('h2', { id: 'panel-title', text: node.name }));
    panelBody.appendChild(h('h4', { text: '汇总 Summary' }));
    panelBody.appendChild(kvTable(node.info || {}));
    panelBody.appendChild(h('p', { class: 'muted', text: '页面汇总节点，非图中实体。 A summary drawn by the page, not a node of the graph.' }));
  }

  PKG.openPanel = function (id, hint) {
    if (!panel) return Promise.resolve();
    panel.classList.add('open');
    panel.setAttribute('aria-hidden', 'false');
    panelBody.textContent = '';
    panelBody.appendChild(h('p', { class: 'muted', text: '加载中 Loading…' }));
    PKG.state.panel = { id: id, loaded: false };
    if (hint && hint.info && String(id).indexOf('viz:') === 0) {
      renderInfo(hint);
      PKG.state.panel.loaded = true;
      return Promise.resolve();
    }
    var p;
    if (EMB) {
      var d = (EMB.details || {})[id];
      p = d ? Promise.resolve(d) : Promise.reject(new Error('no details for ' + id + ' in this file'));
    } else {
      p = getJSON(url(CFG.api.node, { id: id }));
    }
    return p.then(function (d) {
      if (PKG.state.panel.id !== id) return;
      renderDetail(d, hint);
      PKG.state.panel.loaded = true;
      PKG.state.panel.evidence = (d.evidence || []).length;
    }).catch(function (e) {
      panelBody.textContent = '';
      panelBody.appendChild(h('p', { class: 'error', text: '出错 Error: ' + e.message }));
      PKG.state.panel.loaded = true;
      PKG.state.panel.error = e.message;
    });
  };

  // --- search box ---------------------------------------------------------------------------------
  var searchInput = document.getElementById('search');
  var searchList = document.getElementById('search-results');
  var searchTimer = null;
  var searchSeq = 0;

  function localMatches(q) {
    if (!PKG.nodes) {
      var ql0 = q.toLowerCase();
      return Object.keys((EMB && EMB.details) || {}).map(function (k) { return EMB.details[k]; }).filter(function (d) {
        return String(d.name).toLowerCase().indexOf(ql0) >= 0;
      }).slice(0, 15).map(function (d) { return { id: d.id, name: d.name, type: d.type, type_name: d.type_name, here: true }; });
    }
    var ql = q.toLowerCase();
    var out = [];
    PKG.nodes.forEach(function (n) {
      if (String(n.id).indexOf('viz:') === 0 && !n.info) return;
      var name = String(n.name || n.label || '');
      if (name.toLowerCase().indexOf(ql) >= 0 || String(n.id).toLowerCase() === ql) out.push({ id: n.id, name: name, type: n.group, here: true });
    });
    out.sort(function (a, b) { return (a.name === q ? 0 : 1) - (b.name === q ? 0 : 1) || a.name.length - b.name.length; });
    return out.slice(0, 15);
  }

  function showResults(items) {
    searchList.textContent = '';
    if (!items.length) {
      searchList.appendChild(h('li', { class: 'muted', text: '无结果 No match' }));
    }
    items.forEach(function (it, i) {
      searchList.appendChild(h('li', { class: i === 0 ? 'active' : null, 'data-id': it.id, onmousedown: function (ev) { ev.preventDefault(); pick(it); } },
        h('span', { class: 'swatch', style: 'background:' + colorOf(it.type) }),
        h('span', { text: it.name }),
        h('span', { class: 'where', text: (it.type_name || typeName(it.type)) + (it.here ? '' : ' · 图外') })));
    });
    searchList.classList.add('open');
    PKG.state.search = { count: items.length, items: items.map(function (x) { return x.id; }) };
  }

  function colorOf(t) {
    var g = PKG.graph && PKG.graph.options.groups && PKG.graph.options.groups[t];
    return g ? g.color.background : '#9aa5b1';
  }

  function runSearch() {
    var q = searchInput.value.trim();
    if (!q) { searchList.classList.remove('open'); return; }
    var local = localMatches(q);
    var seq = ++searchSeq;
    if (CFG.mode === 'api' && (CFG.view === 'explore' || !CFG.network)) {
      getJSON(url(CFG.api.search, { q: q, limit: 20 })).then(function (res) {
        if (seq !== searchSeq) return;
        var seen = {};
        local.forEach(function (x) { seen[x.id] = true; });
        var remote = res.items.filter(function (x) { return !seen[x.id]; }).map(function (x) {
          return { id: x.id, name: x.name, type: x.type, type_name: x.type_name, here: PKG.nodes ? !!PKG.nodes.get(x.id) : false };
        });
        showResults(local.concat(remote).slice(0, 25));
      }).catch(function () { showResults(local); });
    } else {
      showResults(local);
    }
  }

  function pick(it) {
    searchList.classList.remove('open');
    searchInput.value = it.name;
    PKG.focusOrOpen(it.id);
  }

  PKG.focusOrOpen = function (id) {
    if (PKG.network && PKG.nodes && PKG.nodes.get(id)) {
      var n = PKG.nodes.get(id);
      if (n.hidden) PKG.nodes.update({ id: id, hidden: false });
      PKG.network.selectNodes([id]);
      PKG.network.focus(id, { scale: Math.max(PKG.network.getScale(), 0.9), animation: false });
      return PKG.openPanel(id, n);
    }
    if (CFG.view === 'explore' && CFG.mode === 'api') {
      return PKG.explore.load(id);
    }
    return PKG.openPanel(id);
  };

  if (searchInput) {
    searchInput.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 180);
    });
    searchInput.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        clearTimeout(searchTimer);
        var first = searchList.querySelector('li[data-id]');
        if (first && searchList.classList.contains('open')) first.dispatchEvent(new MouseEvent('mousedown'));
        else runSearch();
      } else if (ev.key === 'Escape') {
        searchList.classList.remove('open');
      }
    });
    searchInput.addEventListener('blur', function () { setTimeout(function () { searchList.classList.remove('open'); }, 150); });
  }

  // --- network pages ------------------------------------------------------------------------------
  function setCount(shown, total, extra) {
    var c = document.getElementById('count');
    if (!c) return;
    var truncated = total > shown;
    c.className = 'count' + (truncated ? ' truncated' : '');
    c.id = 'count';
    c.textContent = (truncated ? '显示 ' + shown + ' / 共 ' + total + ' 个节点 · showing ' + shown + ' of ' + total
      : '节点 ' + shown + ' nodes') + (extra ? ' · ' + extra : '');
  }
  PKG.setCount = setCount;

  function visNode(n) {
    var copy = Object.assign({}, n);
    copy.title = (n.name || n.label) + '\n' + typeName(n.group) + (n.gaps && n.gaps.length ? '\n缺口: ' + n.gaps.join('、') : '');
    return copy;
  }

  function visEdge(e) {
    var copy = Object.assign({}, e);
    copy.id = e.from + '|' + e.type + '|' + e.to;
    if (!copy.title) copy.title = e.type + ' ' + ((PKG.graph.rel_names || {})[e.type] || '');
    return copy;
  }

  function renderLegend(data) {
    var legend = document.getElementById('legend');
    var marks = document.getElementById('marks');
    if (!legend) return;
    legend.textContent = '';
    PKG.hiddenTypes = PKG.hiddenTypes || {};
    data.legend.forEach(function (item) {
      var box = h('input', { type: 'checkbox', 'data-type': item.type });
      box.checked = !PKG.hiddenTypes[item.type];
      box.addEventListener('change', function () { filterType(item.type, !box.checked); });
      legend.appendChild(h('li', { 'data-type': item.type }, h('label', null, box,
        h('span', { class: 'swatch ' + item.shape, style: 'background:' + item.color }),
        h('span', { text: item.name }), h('span', { class: 'count', text: String(item.count) }))));
    });
    if (marks) {
      marks.textContent = '';
      (data.marks || []).forEach(function (m) {
        marks.appendChild(h('li', null, h('span', { class: 'swatch mark', style: 'border:' + (m.width > 2 ? 3 : 2) + 'px ' + (m.dashes ? 'dashed ' : 'solid ') + m.border }),
          h('span', { text: m.name })));
      });
    }
  }

  function filterType(type, hide) {
    PKG.hiddenTypes[type] = hide;
    var updates = [];
    PKG.nodes.forEach(function (n) { if (n.group === type) updates.push({ id: n.id, hidden: hide }); });
    PKG.nodes.update(updates);
    PKG.state.hidden = Object.keys(PKG.hiddenTypes).filter(function (k) { return PKG.hiddenTypes[k]; });
  }
  PKG.filterType = filterType;

  function markReady(data, t0) {
    var net = PKG.network;
    PKG.state.apiNodes = data.nodes.length;
    PKG.state.apiEdges = data.edges.length;
    PKG.state.drawnNodes = net.body.nodeIndices.length;
    PKG.state.drawnEdges = net.body.edgeIndices.length;
    PKG.state.shown = data.shown;
    PKG.state.total = data.total;
    PKG.state.truncated = data.truncated;
    PKG.state.physics = data.physics;
    PKG.state.drawMs = Math.round(performance.now() - t0);
    PKG.state.loadMs = Math.round(performance.now());
    PKG.state.ready = true;
  }

  function draw(data) {
    PKG.graph = data;
    var t0 = performance.now();
    var container = document.getElementById('graph');
    container.textContent = '';
    PKG.nodes = new vis.DataSet(data.nodes.map(visNode));
    PKG.edges = new vis.DataSet(data.edges.map(visEdge));
    renderLegend(data);
    setCount(data.shown, data.total);
    var titleEl = document.querySelector('#banner .title');
    if (titleEl && data.title) titleEl.textContent = data.title;
    if (data.title) document.title = data.title + ' · policykg';
    var sidebar = PKG.sidebars[CFG.view];
    if (sidebar) sidebar(data.meta || {}, data);
    var net = PKG.network = new vis.Network(container, { nodes: PKG.nodes, edges: PKG.edges }, data.options);
    net.on('click', function (params) {
      if (params.nodes && params.nodes.length) {
        var id = params.nodes[0];
        var node = PKG.nodes.get(id);
        PKG.openPanel(id, node);
        keepVisible(id);
        if (PKG.onNodeClick) PKG.onNodeClick(id, node);
      }
    });
    if (data.physics) {
      net.once('stabilizationIterationsDone', function () {
        net.setOptions({ physics: { enabled: false } });
        net.fit({ animation: false });
        markReady(data, t0);
      });
    } else {
      net.once('afterDrawing', function () { markReady(data, t0); });
      net.fit({ animation: false });
    }
  }
  PKG.draw = draw;

  // the panel covers the right of the graph: move a clicked node that is under it to the left
  function keepVisible(id) {
    var net = PKG.network;
    var pos = net.getPositions([id])[id];
    if (!pos || !panel) return;
    var dom = net.canvasToDOM(pos);
    var box = document.getElementById('graph');
    var covered = box.clientWidth - panel.offsetWidth;  // the part of the graph the panel leaves free
    if (dom.x <= covered - 40) return;
    var centre = net.DOMtoCanvas({ x: box.clientWidth / 2 + (dom.x - covered / 2), y: box.clientHeight / 2 });
    net.moveTo({ position: centre, scale: net.getScale(), animation: false });
  }

  function loadNetwork() {
    if (EMB) {
      draw(EMB.graph);
      return Promise.resolve();
    }
    return getJSON(url(CFG.api.graph, CFG.params)).then(draw).catch(function (e) { showError(e.message); });
  }
  PKG.loadNetwork = loadNetwork;

  // --- page sidebars ------------------------------------------------------------------------------
  function side() { var s = document.getElementById('side'); s.textContent = ''; return s; }
  function controls() { var c = document.getElementById('controls'); c.textContent = ''; return c; }
  function reloadWith(params) {
    if (CFG.mode !== 'api') return;
    window.location.href = url(window.location.pathname, Object.assign({}, CFG.params, params));
  }

  PKG.sidebars['policy-map'] = function (meta) {
    var s = side();
    var doc = meta.document || {};
    var c = controls();
    if (CFG.mode === 'api') {
      var sel = h('select', { id: 'document-select', 'aria-label': 'document' });
      c.appendChild(h('label', { text: '文件 Document' }));
      c.appendChild(sel);
      getJSON(url(CFG.api.documents, { limit: 1000 })).then(function (res) {
        res.items.forEach(function (d) {
          var o = h('option', { value: d.id, text: (d.doc_number || '') + ' ' + (d.title || '').slice(0, 24) });
          if (d.id === doc.id) o.selected = true;
          sel.appendChild(o);
        });
      }).catch(function () {});
      sel.addEventListener('change', function () { reloadWith({ document: sel.value }); });
    }
    s.appendChild(h('h3', { text: '文件 Document' }));
    s.appendChild(kvTable({ '文号': doc.doc_number, '标题': doc.title, '发布': doc.issued_date, '施行': doc.effective_date,
      '条款数': meta.clauses, '预算下限合计': yuan(meta.budget_floor_total_cny) }));
    s.appendChild(h('p', { class: 'muted', text: meta.size_note || '' }));
    var clauses = PKG.graph.nodes.filter(function (n) { return n.group === 'Clause'; })
      .sort(function (a, b) { return (b.budget_floor_cny || 0) - (a.budget_floor_cny || 0); });
    s.appendChild(h('h3', { text: '条款（按预算）Clauses by budget' }));
    s.appendChild(h('ul', { class: 'list' }, clauses.map(function (n) {
      return h('li', { onclick: function () { PKG.focusOrOpen(n.id); } }, h('span', { text: n.name }),
        h('div', { class: 'sub', text: n.budget_floor_cny ? '预算下限 ≥ ' + yuan(n.budget_floor_cny) : '未列预算' }));
    })));
  };

  PKG.sidebars.industries = function (meta) {
    var c = controls();
    if (CFG.mode === 'api') {
      var sel = h('select', { id: 'enterprises-select' });
      [0, 3, 10, 30].forEach(function (k) {
        var o = h('option', { value: String(k), text: k ? '每个产业 ' + k + ' 家企业' : '企业仅显示数量 counts only' });
        if (String(k) === String(meta.enterprises_per_industry || 0)) o.selected = true;
        sel.appendChild(o);
      });
      c.appendChild(h('label', { text: '企业 Enterprises' }));
      c.appendChild(sel);
      sel.addEventListener('change', function () { reloadWith({ enterprises: sel.value }); });
    }
    var s = side();
    var gaps = meta.gaps || { industries: [], tiers: [], places: [] };
    var withGaps = gaps.industries.filter(function (r) { return r.gaps.length; });
    s.appendChild(h('h3', { text: '覆盖缺口 Gaps（' + withGaps.length + ' / ' + gaps.industries.length + ' 个产业）' }));
    s.appendChild(h('ul', { class: 'list', id: 'gap-list' }, gaps.industries.map(function (r) {
      return h('li', { 'data-id': r.id, onclick: function () { PKG.focusOrOpen(r.id); } },
        h('b', { text: r.name + (r.key_industry ? ' ★' : '') }), ' ', h('span', { class: 'muted', text: r.group ? '“' + r.group + '”' : '' }),
        h('div', { class: 'sub', text: r.clauses + ' 条款 · ' + r.investments + ' 笔投资 · ' + r.enterprises + ' 家企业 · ' + (yuan(r.budget_floor_cny) || '无预算') }),
        h('div', null, r.gaps.length ? r.gaps.map(function (g) { return h('span', { class: 'badge gap', title: g.message, text: g.name }); }) : h('span', { class: 'badge met', text: '无缺口 covered' })));
    })));
    [['tiers', '企业类别缺口 Tier gaps'], ['places', '地点缺口 Place gaps']].forEach(function (pair) {
      var rows = gaps[pair[0]] || [];
      if (!rows.length) return;
      s.appendChild(h('h3', { text: pair[1] + '（' + rows.length + '）' }));
      s.appendChild(h('ul', { class: 'list' }, rows.map(function (r) {
        return h('li', { onclick: function () { PKG.openPanel(r.id); } }, h('b', { text: r.name }),
          h('div', { class: 'sub', text: r.clauses + ' 条款 · ' + r.enterprises + ' 家企业' }),
          h('div', null, r.gaps.map(function (g) { return h('span', { class: 'badge gap', title: g.message, text: g.name }); })));
      })));
    });
  };

  PKG.sidebars.enterprise = function (meta) {
    var c = controls();
    var ent = meta.enterprise || {};
    if (CFG.mode === 'api') {
      var input = h('input', { id: 'uscc-input', type: 'search', placeholder: '企业名称或信用代码 name / USCC', style: 'flex:1' });
      var list = h('ul', { class: 'list', id: 'uscc-results', style: 'width:100%' });
      c.appendChild(input);
      c.appendChild(list);
      var timer = null;
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var q = input.value.trim();
          list.textContent = '';
          if (!q) return;
          getJSON(url(CFG.api.enterprises, { q: q, limit: 8 })).then(function (res) {
            res.items.forEach(function (e) {
              list.appendChild(h('li', { onclick: function () { reloadWith({ uscc: e.id }); } }, h('span', { text: e.name }), h('div', { class: 'sub', text: e.id })));
            });
          }).catch(function () {});
        }, 200);
      });
    }
    var s = side();
    s.appendChild(h('h3', { text: '企业 Enterprise' }));
    s.appendChild(kvTable({ '名称': ent.name, '信用代码 USCC': ent.id, '成立': ent.founded, '注册资本': yuan(ent.registered_capital_cny),
      '员工': ent.employees, '营收': yuan(ent.revenue_cny), '研发投入': yuan(ent.rd_spend_cny),
      '产业': (ent.industries || []).map(function (x) { return x.name; }), '类别': (ent.tiers || []).map(function (x) { return x.name; }),
      '地点': (ent.places || []).map(function (x) { return x.name; }) }));
    var counts = meta.counts || {};
    s.appendChild(h('h3', { text: '可享条款 Eligible clauses' }));
    s.appendChild(h('p', null, h('span', { class: 'badge met', text: '符合 ' + (counts.met || 0) }), h('span', { class: 'badge unknown', text: '待定 ' + (counts.unknown || 0) }),
      h('span', { class: 'badge not_met', text: '不符合 ' + (counts.not_met || 0) }),
      h('div', { class: 'sub', text: '测算合计（叠加规则后）estimate total: ' + (est(meta.estimate_total_cny) || '无 none') })));
    s.appendChild(h('ul', { class: 'list', id: 'eligible-list' }, (meta.eligible || []).map(function (it) {
      var cl = it.clause;
      return h('li', { onclick: function () { PKG.focusOrOpen(cl.id); } },
        h('span', { class: 'badge ' + it.status, text: it.status_name }), ' ', h('span', { text: cl.label + '. ' + (cl.title || '') }),
        h('div', { class: 'sub', text: (it.estimate_cny ? '测算 ' + est(it.estimate_cny) + ' · ' : '') + (it.failed && it.failed.length ? '未满足 ' + it.failed.join('、') : '') + (it.missing && it.missing.length ? '缺数据 ' + it.missing.join('、') : '') }));
    })));
    var inv = ent.investors || [];
    s.appendChild(h('h3', { text: '投资方 Investors（' + inv.length + '）' }));
    s.appendChild(inv.length ? h('ul', { class: 'list' }, inv.map(function (x) {
      return h('li', { onclick: function () { PKG.focusOrOpen(x.fund.id); } }, h('span', { text: x.fund.name }), h('div', { class: 'sub', text: yuan(x.amount_cny) }));
    })) : h('p', { class: 'muted', text: '无 none' }));
    var prog = ent.programmes || [];
    s.appendChild(h('h3', { text: '入选计划 Programmes（' + prog.length + '）' }));
    s.appendChild(prog.length ? h('ul', { class: 'list' }, prog.map(function (x) {
      return h('li', { onclick: function () { PKG.focusOrOpen(x.id); } }, h('span', { text: x.name }), h('div', { class: 'sub', text: [x.category, x.year].filter(Boolean).join(' · ') }));
    })) : h('p', { class: 'muted', text: '无 none' }));
    s.appendChild(h('h3', { text: '相似企业 Similar firms（' + (meta.similar || []).length + ' / ' + (meta.similar_total || 0) + '）' }));
    s.appendChild(h('ul', { class: 'list' }, (meta.similar || []).map(function (x) {
      return h('li', { onclick: function () { PKG.focusOrOpen(x.id); } }, h('span', { text: x.name + '  · ' + x.score }), h('div', { class: 'sub', text: x.shared.join('、') }));
    })));
  };

  // --- the explorer: load any node, expand on click -------------------------------------------------
  PKG.explore = {
    expanded: {},
    load: function (id) {
      CFG.params.id = id;
      if (window.history && window.history.replaceState) window.history.replaceState(null, '', url(window.location.pathname, CFG.params));
      PKG.state.ready = false;
      PKG.explore.expanded = {};
      return getJSON(url(CFG.api.graph, CFG.params)).then(function (data) {
        draw(data);
        PKG.explore.expanded[id] = true;
        return PKG.openPanel(id, PKG.nodes.get(id));
      }).catch(function (e) { showError(e.message); });
    },
    expand: function (id) {
      if (PKG.explore.expanded[id]) return Promise.resolve();
      PKG.explore.expanded[id] = true;
      var source;
      if (EMB) {
        source = Promise.resolve(reserveAround(id));
      } else {
        source = getJSON(url(CFG.api.graph, { id: id, depth: CFG.params.depth || 1, limit: CFG.params.limit || 500 }));
      }
      PKG.state.expanding = true;
      return source.then(function (data) { merge(id, data); }).catch(function (e) { showError(e.message); })
        .then(function () { PKG.state.expanding = false; });
    }
  };

  function reserveAround(id) {
    var r = EMB.reserve || { nodes: [], edges: [] };
    var byId = {};
    r.nodes.forEach(function (n) { byId[n.id] = n; });
    var picked = {};
    var nodes = [];
    r.edges.forEach(function (e) {
      var other = e.from === id ? e.to : (e.to === id ? e.from : null);
      if (other !== null && byId[other] && !picked[other] && !PKG.nodes.get(other)) {
        picked[other] = true;
        nodes.push(byId[other]);
      }
    });
    var on = function (x) { return picked[x] || !!PKG.nodes.get(x); };
    var edges = r.edges.filter(function (e) { return (picked[e.from] || picked[e.to]) && on(e.from) && on(e.to); });
    return { nodes: nodes, edges: edges, total: nodes.length, shown: nodes.length, options: r.options, legend: r.legend };
  }

  function merge(id, data) {
    var centre = PKG.network.getPositions([id])[id] || { x: 0, y: 0 };
    var room = CFG.max_nodes - PKG.nodes.length;
    var fresh = data.nodes.filter(function (n) { return !PKG.nodes.get(n.id); });
    var added = fresh.slice(0, Math.max(0, room));
    var r = 150;
    var i = 0;
    while (i < added.length) {
      var fit = Math.max(8, Math.floor(2 * Math.PI * r / 34));
      var ring = added.slice(i, i + fit);
      ring.forEach(function (n, k) {
        var a = 2 * Math.PI * k / ring.length;
        n.x = centre.x + r * Math.cos(a);
        n.y = centre.y + r * Math.sin(a);
        n.depth = undefined;
        n.mark = undefined;
        n.color = undefined;
        n.borderWidth = undefined;
        n.size = undefined;
      });
      i += ring.length;
      r += 48;
    }
    PKG.nodes.add(added.map(function (n) {
      var v = visNode(n);
      Object.keys(v).forEach(function (k) { if (v[k] === undefined) delete v[k]; });
      if (PKG.hiddenTypes && PKG.hiddenTypes[n.group]) v.hidden = true;
      return v;
    }));
    var seenEdges = {};
    var newEdges = data.edges.map(visEdge).filter(function (e) {
      if (seenEdges[e.id] || PKG.edges.get(e.id) || !PKG.nodes.get(e.from) || !PKG.nodes.get(e.to)) return false;
      seenEdges[e.id] = true;
      return true;
    });
    PKG.edges.add(newEdges);
    // legend counts follow the nodes on screen
    var counts = {};
    PKG.nodes.forEach(function (n) { counts[n.group] = (counts[n.group] || 0) + 1; });
    var legend = PKG.graph.legend.slice();
    Object.keys(counts).forEach(function (t) {
      if (!legend.some(function (l) { return l.type === t; })) {
        var g = (data.options && data.options.groups && data.options.groups[t]) || { color: { background: '#999' }, shape: 'dot' };
        PKG.graph.options.groups[t] = g;
        PKG.network.setOptions({ groups: PKG.graph.options.groups });
        legend.push({ type: t, name: (data.legend || []).filter(function (l) { return l.type === t; }).map(function (l) { return l.name; })[0] || t, color: g.color.background, shape: g.shape, count: 0 });
      }
    });
    legend.forEach(function (l) { l.count = counts[l.type] || 0; });
    PKG.graph.legend = legend;
    renderLegend(PKG.graph);
    var total = data.total;
    var more = fresh.length - added.length;
    setCount(PKG.nodes.length, Math.max(PKG.nodes.length, PKG.nodes.length + more),
      '展开 expanded: +' + added.length + (total > data.shown ? '（邻域共 ' + total + '，显示 ' + data.shown + '）' : ''));
    PKG.state.drawnNodes = PKG.network.body.nodeIndices.length;
    PKG.state.drawnEdges = PKG.network.body.edgeIndices.length;
    if (PKG.graph.physics && PKG.nodes.length <= 400 && added.length) {
      // a small network settles again around the new nodes, then physics stops
      PKG.network.setOptions({ physics: { enabled: true, stabilization: { enabled: true, iterations: 150, fit: false } } });
      PKG.network.once('stabilized', function () { PKG.network.setOptions({ physics: { enabled: false } }); });
      PKG.network.stabilize(150);
    }
    PKG.state.lastExpand = { id: id, added: added.length, total: total };
  }

  PKG.sidebars.explore = function (meta) {
    var c = controls();
    var depthSel = h('select', { id: 'depth-select', 'aria-label': 'depth' });
    [1, 2, 3, 4].forEach(function (d) {
      var o = h('option', { value: String(d), text: '深度 depth ' + d });
      if (String(d) === String(meta.depth)) o.selected = true;
      depthSel.appendChild(o);
    });
    var limitSel = h('select', { id: 'limit-select', 'aria-label': 'limit' });
    [100, 500, 1000, 2000].forEach(function (d) {
      var o = h('option', { value: String(d), text: '最多 ' + d + ' 个节点' });
      if (String(d) === String(meta.limit)) o.selected = true;
      limitSel.appendChild(o);
    });
    c.appendChild(depthSel);
    c.appendChild(limitSel);
    if (CFG.mode === 'api') {
      var apply = function () {
        CFG.params.depth = depthSel.value;
        CFG.params.limit = limitSel.value;
        PKG.explore.load(CFG.params.id || (meta.centre && meta.centre.id));
      };
      depthSel.addEventListener('change', apply);
      limitSel.addEventListener('change', apply);
    } else {
      depthSel.disabled = true;
      limitSel.disabled = true;
    }
    var s = side();
    var centre = meta.centre || {};
    s.appendChild(h('h3', { text: '中心节点 Centre' }));
    s.appendChild(h('p', null, h('b', { text: centre.name }), h('div', { class: 'sub muted', text: typeName(centre.type) + ' · ' + centre.id })));
    s.appendChild(h('p', { class: 'muted', text: '单击节点：查看属性与原文证据，并展开其邻居。用右上角搜索框查找任意节点。' +
      ' Click a node to see its properties and evidence and to expand its neighbours; search any node by name above.' +
      (CFG.mode === 'api' ? '' : ' （离线文件：可展开下一层已随文件保存的邻居。）') }));
  };

  PKG.onNodeClick = function (id) {
    if (CFG.view === 'explore') PKG.explore.expand(id);
  };

  // --- index page -----------------------------------------------------------------------------------
  function index() {
    if (CFG.mode !== 'api') { PKG.state.ready = true; return; }
    getJSON(CFG.api.health).then(function (hl) {
      var nodes = hl.nodes || {};
      var total = Object.keys(nodes).reduce(function (a, k) { return a + nodes[k]; }, 0);
      document.getElementById('stats').textContent = '图谱 graph: ' + total + ' 个节点 nodes · 后端 backend ' + hl.backend + ' (' + hl.engine + ') · 文件 ' +
        (nodes.PolicyDocument || 0) + ' · 条款 ' + (nodes.Clause || 0) + ' · 企业 ' + (nodes.Enterprise || 0);
      PKG.state.ready = true;
    }).catch(function (e) { document.getElementById('stats').textContent = e.message; PKG.state.ready = true; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (CFG.view === 'index') return index();
    if (CFG.network) return loadNetwork();
    // chart pages start themselves (charts.js)
  });
})();
