// Appended to a copy of a report by tests/browser: measures the laid-out page and writes the
// result into the DOM (read back through chromium --dump-dom). Never part of a delivered report.
(function () {
  function box(el) {
    var r = el.getBoundingClientRect();
    return {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY,
            width: r.width, height: r.height};
  }
  function overlap(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
           Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  }
  var out = {innerWidth: innerWidth, innerHeight: innerHeight,
             scrollWidth: document.documentElement.scrollWidth, blocks: [], overlaps: [], charts: [], wide: []};
  var blocks = [document.getElementById("headline")].concat(
    Array.prototype.slice.call(document.querySelectorAll(".tiles, figure.chart")));
  blocks.forEach(function (el) { if (el) out.blocks.push({id: el.id || el.className, box: box(el)}); });
  for (var i = 0; i < out.blocks.length; i++)
    for (var j = i + 1; j < out.blocks.length; j++)
      if (overlap(out.blocks[i].box, out.blocks[j].box)) out.overlaps.push([out.blocks[i].id, out.blocks[j].id]);
  document.querySelectorAll("figure.chart svg").forEach(function (svg) {
    var texts = Array.prototype.slice.call(svg.querySelectorAll("text")).filter(function (t) {
      return t.textContent.trim() !== "";
    });
    var clashes = [];
    for (var i = 0; i < texts.length; i++)
      for (var j = i + 1; j < texts.length; j++)
        if (overlap(box(texts[i]), box(texts[j]))) clashes.push([texts[i].textContent, texts[j].textContent]);
    var style = getComputedStyle(svg), b = box(svg), inside = true;
    texts.forEach(function (t) { var tb = box(t); if (tb.left < b.left - 1 || tb.right > b.right + 1) inside = false; });
    out.charts.push({id: svg.parentNode.id, box: b, visible: style.visibility === "visible" && style.display !== "none",
                     texts: texts.length, clashes: clashes, textsInside: inside});
  });
  // anything wider than the viewport that is not inside its own scrolling container
  document.querySelectorAll("body *").forEach(function (el) {
    var b = el.getBoundingClientRect();
    if (b.right > innerWidth + 0.5 && !el.closest(".scroll") && !el.closest("details:not([open])"))
      out.wide.push(el.tagName + (el.className ? "." + el.className : ""));
  });
  var pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
