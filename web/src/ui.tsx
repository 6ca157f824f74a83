/** Small shared pieces of the pages: a chart (ECharts), a field with its error, a progress bar. */
import { useEffect, useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, CanvasRenderer]);

export function Chart({ option, height = 260, id }: { option: Record<string, unknown>; height?: number; id?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (el.current === null) return;
    chart.current ??= echarts.init(el.current, undefined, { renderer: "canvas" });
    chart.current.setOption({ animation: false, ...option }, true);
  }, [option]);
  useEffect(() => () => chart.current?.dispose(), []);
  return <div class="chart" id={id} ref={el} style={{ height: `${height}px` }} />;
}

export function Field({ label, name, error, children }: { label: string; name: string; error?: string | undefined; children: ComponentChildren }) {
  return (
    <label class={`field${error ? " invalid" : ""}`} data-field={name}>
      <span>{label}</span>
      {children}
      {error ? <small class="error" role="alert" data-error-for={name}>{error}</small> : null}
    </label>
  );
}

export function Bar({ value, max, label, kind }: { value: number; max: number; label: string; kind?: "ok" | "warn" | "bad" }) {
  const pct = max <= 0 ? 0 : Math.max(0, Math.min(100, (value / max) * 100));
  return (
    <div class="bar" title={label}>
      <div class={`fill ${kind ?? "ok"}`} style={{ width: `${pct}%` }} />
      <span>{label}</span>
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;
