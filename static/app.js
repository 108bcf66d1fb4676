// Progressive enhancement only: every link, anchor and filter works without this file.
(function () {
  "use strict";

  function copy(button, text, label, ask) {
    var done = function () {
      button.textContent = "已复制";
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { prompt(ask, text); });
    } else {
      prompt(ask, text);
    }
  }

  // The link to a paragraph: its anchor (from its own text), and where the browser knows
  // text fragments, its opening words too, so a copy of the page elsewhere still finds it.
  function linkTo(button) {
    var url = location.origin + location.pathname + "#" + button.dataset.id;
    var block = button.closest(".para, tr.row, .heading");
    if (block && "fragmentDirective" in document) {
      var words = block.textContent.replace(/^\s*[ps]\d+\s*/, "").replace(/复制链接|引用/g, "").trim().slice(0, 12);
      if (words) { url += ":~:text=" + encodeURIComponent(words); }
    }
    return url;
  }

  // Copy-link buttons next to each paragraph of the report reader.
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(button, linkTo(button), "复制链接", "复制此链接：");
    });
  });

  // 引用: a GB/T 7714 citation of one paragraph, from the report's fields (#citation;
  // /api/reports/<id> gives the same fields).
  var citation = document.getElementById("citation");
  var report = citation ? JSON.parse(citation.textContent) : null;
  function cite(button) {
    var today = new Date().toISOString().slice(0, 10);
    var section = button.dataset.section;
    var where = (section ? section + "，" : "") + "第" + button.dataset.number + "段";
    return report.author + ". " + report.title + "：" + where + "[R/OL]. " +
      report.place.join("") + ", " + (report.date || report.year || "") + "[" + today + "]. " +
      report.url + "#" + button.dataset.id + ".";
  }
  document.querySelectorAll("button.cite").forEach(function (button) {
    if (!report) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(button, cite(button), "引用", "复制此引用：");
    });
  });

  // Completion while typing: the index's words and phrases for the word being typed, as an
  // ARIA combobox (arrow keys, Enter, Escape). Without this script the box is a plain search box.
  var box = document.querySelector("input[data-complete]");
  var list = document.getElementById("completions");
  if (box && list && window.fetch) {
    var active = -1, timer = null, asked = "";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", "completions");
    var options = function () { return list.querySelectorAll("[role=option]"); };
    var close = function () {
      list.hidden = true; active = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    };
    var mark = function (i) {
      var all = options();
      if (!all.length) { return; }
      active = (i + all.length) % all.length;
      all.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", all[active].id);
    };
    var choose = function (option) {
      box.value = option.dataset.query;
      close();
      box.form.submit();
    };
    var ask = function () {
      var q = box.value;
      if (!q.trim() || q === asked) { if (!q.trim()) { close(); } return; }
      asked = q;
      fetch(box.dataset.complete + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
        if (box.value !== q) { return; }
        list.textContent = "";
        data.completions.forEach(function (c, i) {
          var li = document.createElement("li");
          li.id = "completion-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.dataset.query = c.query;
          li.textContent = c.word;
          var n = document.createElement("span");
          n.className = "n";
          n.textContent = " " + c.paragraphs;
          li.appendChild(n);
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
          list.appendChild(li);
        });
        active = -1;
        list.hidden = !data.completions.length;
        box.setAttribute("aria-expanded", data.completions.length ? "true" : "false");
      }, function () { close(); });
    };
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 120); });
    box.addEventListener("blur", function () { setTimeout(close, 100); });
    box.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); mark(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(active - 1); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options()[active]); }
    });
  }

  // On a phone the facets come first, folded in a drawer; on a wide screen they stay open.
  var drawer = document.querySelector("details.drawer");
  if (drawer && window.matchMedia("(max-width: 40rem)").matches) { drawer.open = false; }

  // 简/繁 keeps the paragraph the reader is at.
  document.querySelectorAll("a[data-script]").forEach(function (link) {
    link.addEventListener("click", function () {
      if (location.hash) { link.href = link.href.split("#")[0] + location.hash; }
    });
  });

  // The table of contents folds away on a phone.
  var toc = document.querySelector("details.toc");
  if (toc && window.matchMedia("(max-width: 60rem)").matches) { toc.open = false; }

  // Next / previous match in the report reader.
  var marks = Array.prototype.slice.call(document.querySelectorAll(".report .body mark"));
  var current = -1;
  function go(step) {
    if (!marks.length) { return; }
    if (current >= 0) { marks[current].classList.remove("current"); }
    current = (current + step + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    var status = document.querySelector(".matches .match-count");
    if (status) { status.textContent = "第 " + (current + 1) + " / " + marks.length + " 处匹配"; }
  }
  document.querySelectorAll("[data-step]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      go(parseInt(link.dataset.step, 10));
    });
  });
  // Keys: / the search box, j/k results, n/p matches, ? this list.
  var results = Array.prototype.slice.call(document.querySelectorAll(".result h2 a"));
  var at = -1;
  var keys = document.querySelector("dialog.keys");
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.matches("input, textarea, select")) { return; }
    if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if ((event.key === "j" || event.key === "k") && results.length) {
      at = Math.max(0, Math.min(results.length - 1, at + (event.key === "j" ? 1 : -1)));
      results[at].focus();
    } else if (event.key === "?" && keys && keys.showModal) {
      keys.showModal();
    } else if (marks.length && event.key === "n") {
      go(1);
    } else if (marks.length && (event.key === "N" || event.key === "p")) {
      go(-1);
    }
  });

  // Searching inside a report lands on its first match; a link to a paragraph, on it. A link
  // to a paragraph this version no longer has lands on the closest one (recorded when the
  // report was indexed), highlighted, with a note saying so and a search for its words.
  if (!location.hash && marks.length) { go(1); }
  if (location.hash) {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* "#%": not an id of this page */ }
    var movedData = document.getElementById("moved");
    var moved = movedData ? JSON.parse(movedData.textContent) : null;
    // a #pN that now numbers another paragraph, or an anchor whose text changed
    var relink = moved ? moved.links[id] : null;
    var target = document.getElementById(relink ? relink[0] : id);
    if (relink && relink[1] >= 1) {
      if (target) { target.closest(".para, tr.row, .heading").classList.add("relinked"); }
    } else if (relink) {
      var block = target && target.closest(".para, tr.row, .heading");
      if (block) {
        block.classList.add("relinked");
        var note = document.createElement("p");
        note.className = "relink-note";
        note.setAttribute("role", "note");
        note.textContent = relink[1] >= moved.edited ? "此段已修改：以下是它现在的文字。" : "此段已不在本报告中：以下是最接近的段落。";
        var find = document.createElement("a");
        find.href = moved.search + "&q=" + encodeURIComponent(relink[2].slice(0, 12));
        find.textContent = " 搜索原来的文字";
        note.appendChild(find);
        block.parentNode.insertBefore(note, block);
      }
    }
    if (target) { target.scrollIntoView({ block: "center" }); }
  }
})();
