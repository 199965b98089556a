/* Statistics pages: draws each [data-chart] container with ECharts from the JSON in that
 * attribute, and shows only the period picker's select that matches the chosen kind. No
 * inline handlers or styles (the CSP forbids them); tooltips use ECharts' rich-text mode,
 * which draws on the canvas instead of injecting styled HTML. */
(function () {
  "use strict";

  var HEIGHT = "320px";
  var charts = [];

  function read(container) {
    try {
      return JSON.parse(container.getAttribute("data-chart"));
    } catch (error) {
      return null;
    }
  }

  function barOption(spec) {
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: spec.labels, axisLabel: {interval: 0, hideOverlap: true}},
      yAxis: {type: "value"},
      series: [{type: "bar", name: spec.title, data: spec.values, barMaxWidth: 48}]
    };
  }

  function pieOption(spec) {
    return {
      tooltip: {trigger: "item", renderMode: "richText"},
      legend: {type: "scroll", bottom: 0},
      series: [{
        type: "pie", name: spec.title, radius: ["35%", "65%"], center: ["50%", "45%"],
        data: spec.labels.map(function (label, index) {
          return {name: label, value: spec.values[index]};
        })
      }]
    };
  }

  function lineOption(spec) {
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {type: "scroll", bottom: 0},
      // Room on the right: the last month's label sits on the chart's edge.
      grid: {left: 8, right: 40, top: 16, bottom: 32, containLabel: true},
      xAxis: {type: "category", data: spec.labels, boundaryGap: spec.labels.length === 1},
      yAxis: {type: "value"},
      series: spec.series.map(function (series) {
        return {type: spec.labels.length === 1 ? "bar" : "line", name: series.name,
                data: series.values, connectNulls: false, barMaxWidth: 48};
      })
    };
  }

  var OPTIONS = {bar: barOption, pie: pieOption, line: lineOption};

  function draw(container) {
    var spec = read(container);
    var build = spec && OPTIONS[spec.type];
    if (!build) {
      return;
    }
    container.style.height = HEIGHT;  // CSSOM, which the CSP allows (a style attribute it would not)
    var chart = window.echarts.init(container, null, {renderer: "canvas", locale: "ZH"});
    var option = build(spec);
    option.aria = {enabled: true};
    chart.setOption(option);
    charts.push(chart);
  }

  function showPeriodFields(form) {
    var kind = form.querySelector("[data-period-kind]");
    if (!kind) {
      return;
    }
    var update = function () {
      var fields = form.querySelectorAll("[data-period-field]");
      for (var i = 0; i < fields.length; i++) {
        fields[i].hidden = fields[i].getAttribute("data-period-field") !== kind.value;
      }
    };
    kind.addEventListener("change", update);
    update();
  }

  function start() {
    var forms = document.querySelectorAll("[data-testid=period-picker]");
    for (var i = 0; i < forms.length; i++) {
      showPeriodFields(forms[i]);
    }
    if (!window.echarts) {
      return;
    }
    var containers = document.querySelectorAll("[data-chart]");
    for (var j = 0; j < containers.length; j++) {
      draw(containers[j]);
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
