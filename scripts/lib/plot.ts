/**
 * Line charts rendered to PNG without a browser: ECharts renders SVG server-side, resvg rasterises it.
 * Both are maintained npm packages (resvg ships its native binary inside the registry package).
 */
import { writeFileSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";

/** One line of a chart. */
export interface Series {
  name: string;
  /** One value per x label (null leaves a gap). */
  values: readonly (number | null)[];
  /** Which y axis: 0 (left) or 1 (right). */
  axis?: 0 | 1;
}

export interface LineChart {
  title: string;
  x: readonly string[];
  series: readonly Series[];
  /** Axis names, left and right. */
  yNames: readonly [string, string?];
  /** Log scale for the left axis. */
  logLeft?: boolean;
  width?: number;
  height?: number;
}

/** Keeps at most `max` evenly spaced points (charts of 10^5 points render slowly and look the same). */
function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * step)]!);
}

/** Renders `chart` to a PNG file (written atomically). */
export async function writeLineChartPng(file: string, chart: LineChart): Promise<void> {
  const echarts = await import("echarts");
  const { Resvg } = await import("@resvg/resvg-js");
  const width = chart.width ?? 1400;
  const height = chart.height ?? 600;
  const max = 2000;
  const x = thin(chart.x, max);
  const instance = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    instance.setOption({
      animation: false,
      backgroundColor: "#ffffff",
      title: { text: chart.title, left: "center", top: 8, textStyle: { fontSize: 16 } },
      legend: { bottom: 6 },
      grid: { left: 70, right: 70, top: 60, bottom: 70 },
      xAxis: { type: "category", data: x, axisLabel: { interval: Math.max(0, Math.floor(x.length / 12) - 1) } },
      yAxis: [
        { type: chart.logLeft ? "log" : "value", name: chart.yNames[0], scale: true },
        ...(chart.yNames[1] === undefined ? [] : [{ type: "value", name: chart.yNames[1], splitLine: { show: false } }]),
      ],
      series: chart.series.map((s) => ({
        name: s.name,
        type: "line",
        showSymbol: false,
        lineStyle: { width: 1.2 },
        yAxisIndex: s.axis ?? 0,
        data: thin(s.values, max),
      })),
    });
    const svg = instance.renderToSVGString();
    const png = new Resvg(svg, { font: { loadSystemFonts: true }, background: "#ffffff" }).render().asPng();
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, png);
    renameSync(tmp, file);
  } finally {
    instance.dispose();
  }
}
