// Progressive enhancement only: every link, anchor and filter works without this file.
(function () {
  "use strict";

  // Copy-link buttons next to each paragraph of the report reader.
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = location.origin + location.pathname + "#" + button.dataset.id;
      var done = function () {
        button.textContent = "已复制";
        setTimeout(function () { button.textContent = "复制链接"; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(done, function () { prompt("复制此链接：", url); });
      } else {
        prompt("复制此链接：", url);
      }
    });
  });

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
    var status = document.querySelector(".matches span");
    if (status) { status.textContent = "第 " + (current + 1) + " / " + marks.length + " 处匹配"; }
  }
  document.querySelectorAll("[data-step]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      go(parseInt(link.dataset.step, 10));
    });
  });
  document.addEventListener("keydown", function (event) {
    if (!marks.length || event.target.matches("input, textarea")) { return; }
    if (event.key === "n") { go(1); }
    if (event.key === "N" || event.key === "p") { go(-1); }
  });

  // A targeted paragraph is scrolled into view below the sticky header.
  if (location.hash) {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* "#%": not an id of this page */ }
    var target = document.getElementById(id);
    if (target) { target.scrollIntoView({ block: "center" }); }
  }
})();
