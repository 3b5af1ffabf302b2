// fundaudit offline report. Everything it needs is in this file: no network, no CDN.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var L = D.L;
  var C = {};
  D.cols.forEach(function (c, i) { C[c] = i; });
  var PER_PAGE = 100;
  var NUMERIC = { rank: 1, risk_score: 1, amount_at_risk: 1, similarity: 1, days_late: 1 };
  var SHOWN = ["rank", "finding_id", "case_id", "category", "rule", "severity", "risk_score", "amount_at_risk", "township", "program", "evidence", "change", "status"];
  // Cells that hold ids and codes, not words: set apart (class "code") so that a
  // Chinese page's words can be told from them.
  var CODE_COLS = { finding_id: 1, case_id: 1, beneficiary_ids: 1, allocation_ids: 1, payment_ids: 1, refs: 1, rule_code: 1 };
  var FILE_NAME = /([\w.-]+\.(?:xlsx|xls|csv|json|html|tsv|txt|ods|parquet)|--[a-z][a-z-]+)/;
  // A text whose file names (findings.xlsx) and options (--no-ledger) are marked as
  // code, into `parent`.
  function textWithCode(parent, text) {
    String(text).split(FILE_NAME).forEach(function (part, i) {
      if (!part) return;
      parent.appendChild(i % 2 ? el("span", { class: "code" }, part) : document.createTextNode(part));
    });
    return parent;
  }
  function ruleName(code) { return (L.rules && L.rules[code]) || code; }

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function yuan(x) {
    return (x || 0).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function catName(c) { return L.categories[c] || c; }
  function cell(r, c) { return r[C[c]]; }
  function display(r, c) {
    var v = cell(r, c);
    if (v === null || v === undefined) return "";
    if (c === "category") return catName(v);
    if (c === "rule") return ruleName(v);
    if (c === "rule_code") return String(cell(r, "rule"));
    if (c === "severity") return L.severity[v] || v;
    if (c === "change") return (L.change && L.change[v]) || v;
    if (c === "status") return (L.status && L.status[v]) || v;
    if (c === "amount_at_risk") return yuan(v);
    if (c === "risk_score" || c === "similarity") return Number(v).toFixed(2);
    return String(v);
  }

  // ---- Tabs -----------------------------------------------------------------------
  function showTab(name) {
    document.querySelectorAll("nav button").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-tab") === name);
    });
    document.querySelectorAll("main > section").forEach(function (s) {
      s.classList.toggle("active", s.id === name);
    });
  }
  document.querySelectorAll("nav button").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
  });

  // ---- Overview cards and charts --------------------------------------------------
  function card(parent, n, label) {
    var c = el("div", { class: "card" });
    c.appendChild(el("div", { class: "n" }, n));
    c.appendChild(el("div", { class: "l" }, label));
    parent.appendChild(c);
    return c;
  }
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  // Horizontal bars, one per item, labelled with a value formatter.
  function barChart(container, title, items, fmt) {
    var box = el("div", { class: "chart" });
    box.appendChild(el("h3", null, title));
    // The label column fits the longest label (a rule's Chinese name is up to 13
    // characters), estimated: an ideograph ~12 px at this size, other characters ~7 px.
    var textW = function (t) {
      return String(t).split("").reduce(function (n, c) { return n + (c.charCodeAt(0) > 0x2e80 ? 12 : 7); }, 0);
    };
    var longest = items.reduce(function (m, i) { return Math.max(m, textW(i.label)); }, 0);
    var rowH = 20, labelW = Math.min(240, Math.max(130, longest + 12)), valueW = 110;
    var w = labelW + 330;
    var h = Math.max(rowH, items.length * rowH) + 4;
    var s = svg("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img" });
    var max = items.reduce(function (m, i) { return Math.max(m, i.value); }, 0) || 1;
    items.forEach(function (it, i) {
      var y = i * rowH + 2;
      var t = svg("text", { x: labelW - 6, y: y + 13, "text-anchor": "end" });
      t.textContent = it.label;
      s.appendChild(t);
      var bw = Math.max(1, (w - labelW - valueW) * it.value / max);
      s.appendChild(svg("rect", { class: "bar", x: labelW, y: y + 2, width: bw, height: rowH - 6, fill: "#b44" }));
      var v = svg("text", { x: labelW + bw + 4, y: y + 13 });
      v.textContent = fmt(it.value);
      s.appendChild(v);
    });
    box.appendChild(s);
    container.appendChild(box);
    return box;
  }
  function renderOverview() {
    var cards = $("cards");
    if (D.meta.incomplete && D.meta.incomplete.length) {
      // A broken export must be seen before any finding: a banner above everything.
      var banner = document.createElement("div");
      banner.className = "incomplete";
      banner.setAttribute("role", "alert");
      var h = document.createElement("strong");
      h.textContent = L.incomplete;
      banner.appendChild(h);
      var ul = document.createElement("ul");
      D.meta.incomplete.slice(0, 10).forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = w;
        ul.appendChild(li);
      });
      banner.appendChild(ul);
      cards.parentNode.insertBefore(banner, cards);
    }
    card(cards, D.meta.findings.toLocaleString() + " " + L.findingsUnit, L.findings);
    card(cards, D.meta.embedded.casesTotal.toLocaleString() + " " + L.casesUnit, L.cases);
    card(cards, yuan(D.meta.amount) + " " + L.yuan, L.money);
    D.meta.categories.forEach(function (c) {
      card(cards, c[1].toLocaleString() + " " + L.findingsUnit + " · " + yuan(c[2]) + " " + L.yuan, catName(c[0]));
    });
    var charts = $("charts");
    if (D.meta.digits && D.meta.digits.length) {
      // Digit analysis: context for an analyst, not findings.
      var box = document.createElement("div");
      box.className = "digits";
      var h = document.createElement("h3");
      h.textContent = L.digitsTitle;
      box.appendChild(h);
      var t = document.createElement("table");
      var head = document.createElement("tr");
      L.digitHeads.forEach(function (x) {
        var th = document.createElement("th");
        th.textContent = x;
        head.appendChild(th);
      });
      t.appendChild(head);
      D.meta.digits.forEach(function (d) {
        var tr = document.createElement("tr");
        [L.by[d[0]] || d[0], d[1], d[2].toLocaleString(), d[3].toFixed(4), L.conformity[d[4]] || d[4], (100 * d[5]).toFixed(1) + "%"].forEach(function (x) {
          var td = document.createElement("td");
          td.textContent = x;
          tr.appendChild(td);
        });
        if (d[4] === "nonconformity") tr.className = "nonconformity";
        t.appendChild(tr);
      });
      box.appendChild(t);
      charts.parentNode.appendChild(box);
    }
    // Charts over every finding (D.meta.totals), not only those the page embeds.
    var T = D.meta.totals;
    barChart(charts, L.chartTownship, T.towns.map(function (t) { return { label: t[0], value: t[2] }; })
      .sort(function (a, b) { return b.value - a.value; }), yuan);
    barChart(charts, L.chartCategory, D.meta.categories.filter(function (c) { return c[1] > 0; })
      .map(function (c) { return { label: catName(c[0]), value: c[2] }; })
      .sort(function (a, b) { return b.value - a.value; }), yuan);
    var bands = ["1–7", "8–30", "31–90", "91–180", ">180"];
    barChart(charts, L.chartLate, bands.map(function (label, i) { return { label: label, value: T.late[i] }; }),
      function (v) { return String(v); });
    var total = D.meta.findings || 1;
    barChart(charts, L.chartRules, T.rules.map(function (r) { return { label: ruleName(r[0]), value: r[1] }; })
      .sort(function (a, b) { return b.value - a.value; }),
      function (v) { return v.toLocaleString() + " (" + (100 * v / total).toFixed(1) + "%)"; });
    renderTopCases(charts);
    var files = $("files");
    D.meta.files.forEach(function (f) {
      var li = el("li");
      li.appendChild(el("span", { class: "code" }, f[0]));
      li.appendChild(document.createTextNode("：" + L.read + " " + f[1].toLocaleString() + "，" + L.used + " " + f[2].toLocaleString() + "，" + L.rejected + " " + f[3].toLocaleString()));
      files.appendChild(li);
    });
  }

  // ---- Tables (findings, cases) ---------------------------------------------------
  // opts: rows; and for other tables than findings: cols (name → index), shown, numeric,
  // show (cell text), open (row click), unit (pager word).
  function Table(root, opts) {
    this.root = root;
    this.rows = opts.rows;
    this.C = opts.cols || C;
    this.shown = opts.shown || SHOWN;
    this.numeric = opts.numeric || NUMERIC;
    this.show = opts.show || display;
    this.open = opts.open || openDrill;
    this.unit = opts.unit || L.findingsUnit;
    this.idCol = opts.idCol || "finding_id";
    this.view = this.rows.slice();
    this.sortCol = "rank";
    this.asc = true;
    this.page = 0;
    this.filter = function () { return true; };
    var t = el("table", { class: "grid" });
    var thead = el("thead"), tr = el("tr");
    var self = this;
    this.shown.forEach(function (c) {
      var th = el("th", { "data-col": c }, L.cols[c] || c);
      th.addEventListener("click", function () { self.sortBy(c); });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    t.appendChild(thead);
    this.tbody = el("tbody");
    t.appendChild(this.tbody);
    this.pager = el("div", { class: "pager" });
    root.appendChild(t);
    root.appendChild(this.pager);
  }
  Table.prototype.sortBy = function (c) {
    if (this.sortCol === c) this.asc = !this.asc; else { this.sortCol = c; this.asc = !this.numeric[c] || c === "rank"; }
    this.apply();
  };
  Table.prototype.apply = function () {
    var i = this.C[this.sortCol], asc = this.asc ? 1 : -1, num = this.numeric[this.sortCol];
    var f = this.filter;
    this.view = this.rows.filter(function (r) { return f(r); });
    this.view.sort(function (a, b) {
      var x = a[i], y = b[i];
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      if (num) return (x - y) * asc;
      return String(x).localeCompare(String(y), "zh") * asc;
    });
    this.page = 0;
    this.render();
  };
  Table.prototype.render = function () {
    var self = this;
    this.root.querySelectorAll("th").forEach(function (th) {
      th.classList.remove("sorted-asc", "sorted-desc");
      if (th.getAttribute("data-col") === self.sortCol) th.classList.add(self.asc ? "sorted-asc" : "sorted-desc");
    });
    this.tbody.innerHTML = "";
    var start = this.page * PER_PAGE;
    this.view.slice(start, start + PER_PAGE).forEach(function (r) {
      var tr = el("tr", { "data-id": r[self.C[self.idCol]] });
      self.shown.forEach(function (c) {
        var cls = self.numeric[c] ? "num" : (c === "evidence" || c === "summary" ? "ev" : "");
        if (c === "severity") cls = "sev-" + r[self.C[c]];
        if (CODE_COLS[c]) cls += " code";
        tr.appendChild(el("td", { class: cls, "data-col": c }, self.show(r, c)));
      });
      tr.addEventListener("click", function () { self.open(r); });
      self.tbody.appendChild(tr);
    });
    this.pager.innerHTML = "";
    var pages = Math.max(1, Math.ceil(this.view.length / PER_PAGE));
    var prev = el("button", null, "‹"), next = el("button", null, "›");
    prev.disabled = this.page === 0;
    next.disabled = this.page >= pages - 1;
    prev.addEventListener("click", function () { self.page--; self.render(); });
    next.addEventListener("click", function () { self.page++; self.render(); });
    this.pager.appendChild(prev);
    this.pager.appendChild(el("span", { class: "count" },
      L.page + " " + (this.page + 1) + " / " + pages + " · " + this.view.length + " " + this.unit));
    this.pager.appendChild(next);
  };

  function options(select, values, all) {
    select.appendChild(el("option", { value: "" }, all));
    values.forEach(function (v) { select.appendChild(el("option", { value: v[0] }, v[1])); });
  }
  function distinct(col) {
    var s = {};
    D.rows.forEach(function (r) {
      String(cell(r, col) || "").split(";").forEach(function (v) { if (v) s[v] = 1; });
    });
    return Object.keys(s).sort();
  }
  // The townships a finding's money lies in: its split when it spans several (each
  // payment under its beneficiary's own township), else its township.
  function townsOf(r) {
    var split = String(cell(r, "township_split") || "");
    var names = split ? split.split("；").map(function (p) { return p.slice(0, p.lastIndexOf(" ")); }) : [];
    return names.length ? names : [cell(r, "township")];
  }
  var table;
  function renderFindings() {
    var cat = $("f-category"), town = $("f-township"), prog = $("f-program");
    var stat = $("f-status"), chg = $("f-change");
    options(stat, [["-", L.undecided]].concat(Object.keys(L.status).map(function (k) { return [k, L.status[k]]; })), L.all);
    options(chg, Object.keys(L.change).map(function (k) { return [k, L.change[k]]; }), L.all);
    options(cat, Object.keys(L.categories).map(function (c) { return [c, catName(c)]; }), L.all);
    options(town, D.meta.totals.towns.map(function (t) { return [t[0], t[0]]; }), L.all);
    options(prog, distinct("program").map(function (p) { return [p, p]; }), L.all);
    var E = D.meta.embedded;
    if (E.findings < D.meta.findings) {
      $("table").parentNode.insertBefore(textWithCode(el("p", { class: "note", id: "embedded-note" }),
        L.embeddedFindings.replace("{n}", E.findings.toLocaleString()).replace("{total}", D.meta.findings.toLocaleString())), $("table"));
    }
    table = new Table($("table"), { rows: D.rows });
    function refilter() {
      var c = cat.value, t = town.value, p = prog.value, st = stat.value, ch = chg.value;
      var min = parseFloat($("f-amount").value) || 0, minScore = parseFloat($("f-score").value) || 0;
      var q = $("f-text").value.trim();
      table.filter = function (r) {
        var status = cell(r, "status") || "-";
        return (!c || cell(r, "category") === c) && (!t || townsOf(r).indexOf(t) >= 0) &&
          (!st || status === st) && (!ch || cell(r, "change") === ch) &&
          (!p || String(cell(r, "program") || "").split(";").indexOf(p) >= 0) &&
          (cell(r, "amount_at_risk") || 0) >= min && (cell(r, "risk_score") || 0) >= minScore &&
          (!q || r.join(" ").indexOf(q) >= 0);
      };
      table.apply();
    }
    ["f-category", "f-township", "f-program", "f-status", "f-change"].forEach(function (id) { $(id).addEventListener("change", refilter); });
    ["f-amount", "f-score", "f-text"].forEach(function (id) { $(id).addEventListener("input", refilter); });
    // Sorted as the header says (rank), not in the order the rows came: the case ledger
    // puts new and changed findings first in the files.
    table.apply();
  }

  // ---- Drill-down ----------------------------------------------------------------
  function rawTable(title, source, keys) {
    var src = D.raw[source];
    var found = keys.map(function (k) { return src && src.rows[k]; }).filter(Boolean);
    if (!found.length) return null;
    var box = el("div");
    box.appendChild(el("h4", null, title + " (" + found.length + ")"));
    var t = el("table", { class: "grid raw", "data-source": source });
    var tr = el("tr");
    var heads = (L.fields && L.fields[source]) || {};
    src.cols.forEach(function (c) { tr.appendChild(el("th", null, heads[c] || c)); });
    t.appendChild(tr);
    found.slice(0, 200).forEach(function (row) {
      var r = el("tr");
      // The input's own cells, as the office wrote them.
      row.forEach(function (v) { r.appendChild(el("td", { class: "code" }, v)); });
      t.appendChild(r);
    });
    box.appendChild(t);
    return box;
  }
  // Field / value rows of a drill-down, the empty ones left out.
  function kvTable(r, fields, show) {
    var kv = el("table", { class: "kv" });
    fields.forEach(function (c) {
      var v = show(r, c);
      if (v === "") return;
      var tr = el("tr");
      tr.appendChild(el("td", null, (c === "rule_code" ? L.ruleCode : L.cols[c]) || c));
      tr.appendChild(el("td", CODE_COLS[c] ? { class: "code" } : null, v));
      kv.appendChild(tr);
    });
    return kv;
  }
  function openDrill(r) {
    var box = $("drill-body");
    box.innerHTML = "";
    var h2 = el("h2", null, catName(cell(r, "category")) + " · " + ruleName(cell(r, "rule")) + " · ");
    h2.appendChild(el("span", { class: "code" }, cell(r, "finding_id")));
    box.appendChild(h2);
    var described = L.ruleDescriptions && L.ruleDescriptions[cell(r, "rule")];
    if (described) box.appendChild(el("p", { class: "rule-description" }, described));
    box.appendChild(el("div", { class: "evidence" }, cell(r, "evidence")));
    box.appendChild(kvTable(r, ["rank", "rule_code", "severity", "risk_score", "amount_at_risk", "township", "program",
      "similarity", "confidence", "days_late", "beneficiary_ids", "allocation_ids", "payment_ids"], display));
    var rawMax = D.meta.embedded.rawMaxRank;
    if (rawMax === null || rawMax === undefined || cell(r, "rank") > rawMax) {
      box.appendChild(el("p", { class: "note raw-omitted" }, L.rawOmitted.replace("{n}", D.meta.embedded.raw.toLocaleString())));
    } else {
      box.appendChild(el("p", { class: "note" }, L.rawNote));
    }
    var ids = function (c) { return String(cell(r, c) || "").split(";").filter(Boolean); };
    var refs = ids("refs");
    [[L.rawBeneficiaries, "beneficiaries", ids("beneficiary_ids")],
      [L.rawAllocations, "allocations", ids("allocation_ids")],
      [L.rawPayments, "payments", ids("payment_ids")],
      [L.rawDeaths, "deaths", refs.filter(function (x) { return x.indexOf("deaths:") === 0; }).map(function (x) { return x.slice(7); })],
      [L.rawOfficials, "officials", refs.filter(function (x) { return x.indexOf("officials:") === 0; }).map(function (x) { return x.slice(10); })]
    ].forEach(function (spec) {
      var t = rawTable(spec[0], spec[1], spec[2]);
      if (t) box.appendChild(t);
    });
    $("drill").classList.add("open"); document.body.classList.add("drill-open");
  }
  $("drill-close").addEventListener("click", function () { $("drill").classList.remove("open"); document.body.classList.remove("drill-open"); });
  $("drill").addEventListener("click", function (e) { if (e.target === $("drill")) $("drill").classList.remove("open"); document.body.classList.remove("drill-open"); });


  // ---- 线索处置表: one case a printed A4 page ---------------------------------------
  // D.sheets holds the top cases' sheets (crate::case_sheet). The form is the officers'
  // and stays Chinese whatever the page's language.
  var SHEETS = {};
  (D.sheets || []).forEach(function (s) { SHEETS[s.case_id] = s; });
  // The last column wraps; the others keep to one line (ids, dates, amounts).
  function sheetTable(heads, rows, codes) {
    var t = el("table");
    var tr = el("tr");
    heads.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (v, i) { row.appendChild(el("td", codes.indexOf(i) >= 0 ? { class: "code" } : null, v)); });
      t.appendChild(row);
    });
    return t;
  }
  // A sheet from its sections (crate::case_sheet lays them out for the workbook too).
  function sheetPage(s) {
    var p = el("div", { class: "sheet", "data-case": s.case_id });
    p.appendChild(el("h2", null, "民生资金问题线索处置表"));
    var meta = el("div", { class: "sheet-meta" }, "案件编号 ");
    meta.appendChild(el("span", { class: "code" }, s.case_id));
    p.appendChild(meta);
    meta.appendChild(document.createTextNode("　排名 第" + s.rank + "位　案件分 " + s.score +
      "　涉及金额 " + s.amount + "元　乡镇 " + s.townships.split(";").join("、") + "　截止日期 " + D.meta.as_of));
    s.sections.forEach(function (sec) {
      p.appendChild(textWithCode(el("h3"), sec.title));
      if (sec.kind === "table") {
        p.appendChild(sheetTable(sec.heads, sec.rows, sec.codes));
      } else if (sec.kind === "list") {
        var ul = el("ul", { class: "basis" });
        sec.rows.forEach(function (r) { ul.appendChild(el("li", null, r.join(""))); });
        p.appendChild(ul);
      } else {
        p.appendChild(el("div", { class: "box-text" }, sec.rows[0].join("")));
      }
    });
    p.appendChild(el("h3", null, s.blanks[0]));
    p.appendChild(el("div", { class: "blank tall" }));
    p.appendChild(el("h3", null, s.blanks[1]));
    p.appendChild(el("div", { class: "blank" }));
    p.appendChild(el("p", { class: "sign" }, "追缴金额：＿＿＿＿＿＿＿＿元　　　移送单位：＿＿＿＿＿＿＿＿＿＿"));
    var signs = el("table", { class: "signs" }), row = el("tr");
    ["承办人", "审核人", "审批人"].forEach(function (who) {
      var td = el("td");
      td.appendChild(el("div", null, who + "（签字）："));
      td.appendChild(el("div", { class: "date" }, "＿＿＿＿年＿＿月＿＿日"));
      row.appendChild(td);
    });
    signs.appendChild(row);
    p.appendChild(signs);
    return p;
  }
  // Puts the sheets of `ids` in the print area and the page in print mode (everything
  // else hidden, on screen too, until the print dialog closes).
  function showSheets(ids) {
    var box = $("print");
    box.innerHTML = "";
    ids.forEach(function (id) { if (SHEETS[id]) box.appendChild(sheetPage(SHEETS[id])); });
    document.body.classList.add("printing");
    return box.children.length;
  }
  function printSheets(ids) {
    if (showSheets(ids)) window.print();
  }
  window.addEventListener("afterprint", function () {
    if (!/^#sheets?=/.test(location.hash)) document.body.classList.remove("printing");
  });
  function topSheetIds(n) {
    return (D.sheets || []).slice().sort(function (a, b) { return a.rank - b.rank; })
      .slice(0, n).map(function (s) { return s.case_id; });
  }

  // ---- Cases ----------------------------------------------------------------------
  var CC = {};
  D.caseCols.forEach(function (c, i) { CC[c] = i; });
  var byFinding = {};
  D.rows.forEach(function (r) { byFinding[cell(r, "finding_id")] = r; });
  function caseCell(r, c) { return r[CC[c]]; }
  function showCase(r, c) {
    var v = caseCell(r, c);
    if (v === null || v === undefined) return "";
    if (c === "amount_at_risk") return yuan(v);
    if (c === "case_score") return Number(v).toFixed(2);
    if (c === "townships") return String(v).split(";").join("、");
    if (c === "change") return (L.change && L.change[v]) || v;
    return String(v);
  }
  function openCase(r) {
    var box = $("drill-body");
    box.innerHTML = "";
    var h2 = el("h2", null, L.cols.case_id + " ");
    h2.appendChild(el("span", { class: "code" }, caseCell(r, "case_id")));
    box.appendChild(h2);
    if (SHEETS[caseCell(r, "case_id")]) {
      var pb = el("button", { class: "print-one" }, L.printCase);
      pb.addEventListener("click", function () { printSheets([caseCell(r, "case_id")]); });
      box.appendChild(pb);
    }
    box.appendChild(el("div", { class: "evidence" }, caseCell(r, "summary")));
    box.appendChild(kvTable(r, ["rank", "case_score", "amount_at_risk", "findings", "townships", "change"], showCase));
    box.appendChild(el("h4", null, L.caseMembers));
    var members = String(caseCell(r, "finding_ids") || "").split(";")
      .map(function (id) { return byFinding[id]; }).filter(Boolean);
    var holder = el("div", { class: "members" });
    box.appendChild(holder);
    var t = new Table(holder, { rows: members });
    t.apply();
    $("drill").classList.add("open"); document.body.classList.add("drill-open");
  }
  var caseTable;
  function renderCases() {
    var E = D.meta.embedded;
    if (E.cases < E.casesTotal) {
      $("c-table").parentNode.insertBefore(textWithCode(el("p", { class: "note", id: "embedded-cases-note" }),
        L.embeddedCases.replace("{n}", E.cases.toLocaleString()).replace("{total}", E.casesTotal.toLocaleString())), $("c-table"));
    }
    if ((D.sheets || []).length) {
      var bar = el("div", { class: "filters" });
      var count = el("input", { id: "c-print-n", type: "number", min: "1", max: String(D.sheets.length), value: String(Math.min(10, D.sheets.length)), size: "4" });
      var go = el("button", { id: "c-print" }, L.printTop);
      go.addEventListener("click", function () { printSheets(topSheetIds(parseInt(count.value, 10) || 1)); });
      bar.appendChild(el("label", null, L.printTopLabel));
      bar.appendChild(count);
      bar.appendChild(go);
      $("c-table").parentNode.insertBefore(bar, $("c-table"));
    }
    caseTable = new Table($("c-table"), {
      rows: D.cases, cols: CC, shown: ["rank", "case_id", "case_score", "amount_at_risk", "findings", "townships", "summary", "change"],
      numeric: { rank: 1, case_score: 1, amount_at_risk: 1, findings: 1 }, show: showCase, open: openCase,
      unit: L.casesUnit, idCol: "case_id"
    });
    // Filters: a township, and any text (a name, an id, a card's tail).
    var filters = el("div", { class: "filters" });
    var town = el("select", { id: "c-township" }), q = el("input", { id: "c-text", type: "search", size: "16" });
    options(town, D.meta.totals.towns.map(function (t) { return [t[0], t[0]]; }), L.all);
    var l1 = el("label", null, L.township + " "); l1.appendChild(town); filters.appendChild(l1);
    var l2 = el("label", null, L.caseSearch + " "); l2.appendChild(q); filters.appendChild(l2);
    $("c-table").parentNode.insertBefore(filters, $("c-table"));
    function refilter() {
      var t = town.value, text = q.value.trim();
      caseTable.filter = function (r) {
        return (!t || String(caseCell(r, "townships") || "").split(";").indexOf(t) >= 0) &&
          (!text || r.join(" ").indexOf(text) >= 0);
      };
      caseTable.apply();
    }
    town.addEventListener("change", refilter);
    q.addEventListener("input", refilter);
    caseTable.apply();
  }
  // The overview's top ten cases, each opening its drill-down.
  function renderTopCases(parent) {
    var top = D.cases.slice().sort(function (a, b) { return caseCell(a, "rank") - caseCell(b, "rank"); }).slice(0, 10);
    if (!top.length) return;
    var box = el("div", { class: "chart top-cases" });
    box.appendChild(el("h3", null, L.topCases));
    var holder = el("div");
    box.appendChild(holder);
    parent.appendChild(box);
    var t = new Table(holder, {
      rows: top, cols: CC, shown: ["rank", "case_id", "amount_at_risk", "townships", "summary"],
      numeric: { rank: 1, amount_at_risk: 1 }, show: showCase, open: openCase, unit: L.casesUnit, idCol: "case_id"
    });
    t.apply();
  }

  // ---- Township pages ------------------------------------------------------------
  var townTable;
  function renderTownship() {
    var sel = $("t-select");
    // Every township of the run, by the sum of its findings' risk scores (D.meta.totals):
    // the page may embed only the top findings, the counts are of all of them.
    var towns = D.meta.totals.towns.slice().sort(function (a, b) { return b[3] - a[3]; });
    var byName = {};
    towns.forEach(function (t) { byName[t[0]] = t; sel.appendChild(el("option", { value: t[0] }, t[0])); });
    function show() {
      var name = sel.value, t = byName[name];
      var rows = D.rows.filter(function (r) { return townsOf(r).indexOf(name) >= 0; });
      var cards = $("t-cards");
      cards.innerHTML = "";
      card(cards, t[1].toLocaleString() + " " + L.findingsUnit, L.findings);
      card(cards, t[4].toLocaleString() + " " + L.casesUnit, L.cases);
      card(cards, yuan(t[2]) + " " + L.yuan, L.money);
      card(cards, t[3].toLocaleString("en-US", { maximumFractionDigits: 1 }), L.unitScore).title = L.unitScoreHelp;
      $("t-cards").appendChild(el("p", { class: "note" }, L.unitScoreHelp));
      var charts = $("t-charts");
      charts.innerHTML = "";
      barChart(charts, L.chartCategory, Object.keys(t[5]).map(function (c) { return { label: catName(c), value: t[5][c] }; })
        .sort(function (a, b) { return b.value - a.value; }), yuan);
      $("t-table").innerHTML = "";
      townTable = new Table($("t-table"), { rows: rows });
      townTable.apply();
      postedLists($("t-table"), name);
    }
    // Which village posted which program and period (公示名单), when lists were delivered.
    function postedLists(box, name) {
      var all = D.meta.posted || [], here = all.filter(function (l) { return l[0] === name; });
      box.appendChild(el("h3", null, L.postedLists));
      if (!here.length) { box.appendChild(el("p", { class: "note" }, all.length ? L.postedNone : L.postedNotRun)); return; }
      var t = el("table", { class: "grid" }), tr = el("tr");
      [L.village, L.program, L.period, L.postedRows, L.unplaced, L.postedFrom, L.postedTo].forEach(function (h) { tr.appendChild(el("th", null, h)); });
      var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
      var tb = el("tbody");
      here.forEach(function (l) {
        var row = el("tr");
        // A village paid without its list (PUB_LIST_MISSING): the payments made there.
        var cells = l[8] === false ? [l[1], l[2], l[3], L.notDelivered.replace("{n}", l[4]), "", "", ""] : l.slice(1, 8);
        if (l[8] === false) row.className = "missing";
        cells.forEach(function (v) { row.appendChild(el("td", null, v === null ? "" : String(v))); });
        tb.appendChild(row);
      });
      t.appendChild(tb);
      box.appendChild(t);
    }
    sel.addEventListener("change", show);
    if (towns.length) show();
  }

  // ---- 本期变化: new, changed (before → now) and gone (why), and dismissed ----------
  function renderChanges() {
    var N = D.meta.changes, box = $("changes");
    if (!N) { box.appendChild(textWithCode(el("p", { class: "note" }), L.noLedger)); return; }
    var cards = el("div", { class: "cards" });
    card(cards, N.new.length, L.cNew);
    card(cards, N.changed.length, L.cChanged);
    card(cards, N.resolved.length, L.cResolved);
    card(cards, N.resolved.filter(function (r) { return r.why === "source_changed"; }).length, L.cSourceChanged);
    box.appendChild(cards);
    box.appendChild(el("p", { class: "note" }, N.last_night ? L.since.replace("{d}", N.last_night) : L.firstNight));
    // `codes`: the columns holding ids.
    function table(title, head, rows, codes) {
      box.appendChild(el("h3", null, title + "（" + rows.length + "）"));
      var t = el("table", { class: "grid" }), tr = el("tr");
      head.forEach(function (h) { tr.appendChild(el("th", null, h)); });
      var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
      var tb = el("tbody");
      rows.forEach(function (r) {
        var row = el("tr");
        r.forEach(function (v, i) { row.appendChild(el("td", codes.indexOf(i) >= 0 ? { class: "code" } : null, v)); });
        tb.appendChild(row);
      });
      t.appendChild(tb);
      box.appendChild(t);
    }
    table(L.cNew, [L.cols.finding_id, L.cols.rule, L.cols.township, L.cols.amount_at_risk, L.cols.evidence],
      N.new.map(function (id) {
        var r = byFinding[id];
        return r ? [id, ruleName(cell(r, "rule")), display(r, "township"), display(r, "amount_at_risk"), display(r, "evidence")] : [id, "", "", "", ""];
      }), [0]);
    table(L.cChanged, [L.cols.finding_id, L.cols.rule, L.cols.township, L.before, L.now, L.what],
      N.changed.map(function (c) { return [c.finding_id, ruleName(c.rule), c.township, yuan(c.amount_before), yuan(c.amount_now), c.what]; }), [0]);
    table(L.cResolved, [L.cols.finding_id, L.cols.township, L.before, L.cols.case_id, L.why],
      N.resolved.map(function (c) { return [c.finding_id, c.township, yuan(c.amount), c.case_id, c.why_zh]; }), [0, 3]);
    table(L.cDismissed, [L.cols.finding_id, L.cols.case_id, L.cols.rule, L.cols.township, L.cols.amount_at_risk, L.cols.reviewer, L.cols.reviewed_at, L.cols.note],
      N.dismissed.map(function (d) { return [d.finding_id, d.case_id, ruleName(d.rule), d.township, yuan(d.amount), d.by, d.at, d.note]; }), [0, 1, 5, 6, 7]);
  }

  // ---- 项目资金: each project from approval to acceptance, with findings first -----
  function renderProjects() {
    var P = D.meta.projects || [], box = $("p-table"), sel = $("p-select");
    if (!box || !P.length) return;
    $("p-label").insertBefore(document.createTextNode(L.township + " "), sel);
    sel.appendChild(el("option", { value: "" }, L.all));
    var towns = {};
    P.forEach(function (p) { towns[p[2]] = true; });
    Object.keys(towns).sort().forEach(function (t) { sel.appendChild(el("option", { value: t }, t)); });
    function show() {
      box.innerHTML = "";
      box.appendChild(el("p", { class: "note" }, L.projectsNote));
      var t = el("table", { class: "grid" }), tr = el("tr");
      [L.pId, L.pName, L.township, L.village, L.pApproved, L.pApprovedOn, L.pContracted, L.pContractors, L.pPaid, L.pPayments,
        L.pAccepted, L.pGaps, L.pRules].forEach(function (h) { tr.appendChild(el("th", null, h)); });
      var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
      var tb = el("tbody");
      P.filter(function (p) { return !sel.value || p[2] === sel.value; }).forEach(function (p) {
        var row = el("tr");
        if (p[12].length) row.className = "missing";
        [p[0], p[1], p[2], p[3], yuan(p[4]), p[5], yuan(p[6]), p[7], yuan(p[8]), String(p[9]), p[10] || L.pNotAccepted, p[11],
          p[12].map(ruleName).join("；")].forEach(function (v, i) {
          row.appendChild(el("td", i === 0 ? { class: "code" } : null, v));
        });
        tb.appendChild(row);
      });
      t.appendChild(tb);
      box.appendChild(t);
    }
    sel.addEventListener("change", show);
    show();
  }

  renderOverview();
  renderCases();
  renderFindings();
  renderTownship();
  renderChanges();
  renderProjects();
  // report.html#sheet=<case id> and #sheets=<n> open the print view of one case or of the
  // top n (what a browser's print, or `chromium --print-to-pdf`, then prints).
  var sheetHash = location.hash.match(/^#sheet=(\w+)/), sheetsHash = location.hash.match(/^#sheets=(\d+)/);
  if (sheetHash) showSheets([sheetHash[1]]);
  if (sheetsHash) showSheets(topSheetIds(parseInt(sheetsHash[1], 10)));
  // report.html#view=cases|findings|township|changes|projects opens that tab (links, screenshots).
  var tab = (location.hash.match(/^#view=(\w+)/) || [])[1];
  showTab(["findings", "township", "cases", "changes", "projects"].indexOf(tab) >= 0 && $(tab) ? tab : "overview");

  // Runs of two or more Latin letters in the text under `root`, outside code cells.
  function latinWords(root) {
    var found = [];
    var walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    for (var n = walk.nextNode(); n; n = walk.nextNode()) {
      var p = n.parentElement;
      if (!p || p.closest("script, style, .code, #selftest-result")) continue;
      (n.textContent.match(/[A-Za-z]{2,}/g) || []).forEach(function (w) {
        found.push([w, n.textContent.slice(0, 80)]);
      });
    }
    return found;
  }

  // ---- Self-test (report.html#selftest): what the browser tests assert on ---------
  if (location.hash === "#selftest") {
    var result = { errors: window.__errors || [], checks: {} };
    // Every table's rows in the order its header's sort mark says (▲ ascending, ▼
    // descending): a table drawn from rows in another order would fail.
    var orderHolds = function (root) {
      var th = root.querySelector("th.sorted-asc, th.sorted-desc");
      if (!th) return false;
      var col = th.getAttribute("data-col"), asc = th.classList.contains("sorted-asc");
      var vals = Array.prototype.map.call(root.querySelectorAll('tbody td[data-col="' + col + '"]'),
        function (td) { var t = td.textContent.replace(/,/g, ""); var n = parseFloat(t); return isNaN(n) ? t : n; });
      // (An empty table is in order; that tables have rows is checked on its own.)
      return vals.every(function (v, i) {
        if (i === 0) return true;
        var p = vals[i - 1];
        var cmp = (typeof v === "number" && typeof p === "number") ? v - p : String(v).localeCompare(String(p), "zh");
        return asc ? cmp >= 0 : cmp <= 0;
      });
    };
    try {
      var ch = result.checks;
      ch.rows = D.rows.length;
      ch.cases = D.cases.length;
      ch.order = {};
      showTab("cases");
      ch.order.cases = orderHolds($("c-table"));
      document.querySelector("#c-table tbody tr").click();
      ch.caseDrillMembers = $("drill-body").querySelectorAll(".members tbody tr").length;
      ch.order.caseMembers = orderHolds($("drill-body").querySelector(".members"));
      $("drill-close").click();
      showTab("findings");
      ch.order.findingsFirstView = orderHolds($("table"));
      var th = document.querySelector('#table th[data-col="amount_at_risk"]');
      th.click();
      var amounts = Array.prototype.map.call(document.querySelectorAll('#table td[data-col="amount_at_risk"]'),
        function (td) { return parseFloat(td.textContent.replace(/,/g, "")); });
      ch.sortedDesc = amounts.length > 1 && amounts.every(function (v, i) { return i === 0 || amounts[i - 1] >= v; });
      th.click();
      amounts = Array.prototype.map.call(document.querySelectorAll('#table td[data-col="amount_at_risk"]'),
        function (td) { return parseFloat(td.textContent.replace(/,/g, "")); });
      ch.sortedAsc = amounts.length > 1 && amounts.every(function (v, i) { return i === 0 || amounts[i - 1] <= v; });
      var cat = $("f-category");
      cat.value = "ghost";
      cat.dispatchEvent(new Event("change"));
      var cats = Array.prototype.map.call(document.querySelectorAll('#table td[data-col="category"]'), function (td) { return td.textContent; });
      var ghosts = D.rows.filter(function (r) { return cell(r, "category") === "ghost"; }).length;
      ch.filtered = cats.length > 0 && cats.every(function (c) { return c === catName("ghost"); }) &&
        table.view.length === ghosts;
      document.querySelector("#table tbody tr").click();
      ch.drillOpen = $("drill").classList.contains("open") && $("drill-body").querySelector(".evidence").textContent.length > 0;
      ch.drillRawTables = $("drill-body").querySelectorAll("table.raw").length;
      $("drill-close").click();
      ch.charts = document.querySelectorAll("#charts svg").length;
      ch.bars = document.querySelectorAll("#charts svg rect.bar").length;
      ch.order.findingsSorted = orderHolds($("table"));
      showTab("township");
      ch.townshipRows = document.querySelectorAll("#t-table tbody tr").length;
      var sel = $("t-select");
      ch.townsTotal = D.meta.totals.towns.reduce(function (s, t) { return s + t[1]; }, 0);
      ch.embedded = D.meta.embedded;
      ch.embeddedNote = !!$("embedded-note");
      ch.embeddedCasesNote = !!$("embedded-cases-note");
      var beyond = D.rows.filter(function (r) { return D.meta.embedded.rawMaxRank !== null && cell(r, "rank") > D.meta.embedded.rawMaxRank; })[0];
      if (beyond) {
        openDrill(beyond);
        ch.rawOmitted = !!$("drill-body").querySelector(".raw-omitted") && $("drill-body").querySelectorAll("table.raw").length === 0;
        $("drill-close").click();
      }
      ch.order.township = Array.prototype.every.call(sel.options, function (o) {
        sel.value = o.value;
        sel.dispatchEvent(new Event("change"));
        return orderHolds($("t-table"));
      });
      ch.townshipCards = Array.prototype.map.call(document.querySelectorAll("#t-cards .l"), function (e) { return e.textContent; });
      ch.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
      // Words a reader sees that are not Chinese: every tab, a case's and a finding's
      // drill-down and the top sheets, all text outside code cells (ids, the input's own
      // cells, file names). A rule code, an English header or label is one.
      showSheets(topSheetIds(3));
      ch.sheets = document.querySelectorAll("#print .sheet").length;
      document.querySelector("#c-table tbody tr").click();
      var caseWords = latinWords($("drill-body"));
      $("drill-close").click();
      document.querySelector("#table tbody tr").click();
      ch.latin = latinWords(document.body).concat(caseWords);
      $("drill-close").click();
      document.body.classList.remove("printing");
      showTab("overview");
      cat.value = "";
      cat.dispatchEvent(new Event("change"));
    } catch (e) {
      result.errors.push(String(e && e.stack || e));
    }
    var pre = el("pre", { id: "selftest-result" }, JSON.stringify(result));
    pre.style.display = "none";
    document.body.appendChild(pre);
  }
})();
