import { BarChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import type { EChartsCoreOption } from "echarts/core";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

// Only what the reports page draws, so the lazy chunk carries a fraction of ECharts. The SVG renderer
// keeps labels as text (crisp at any zoom, selectable, and Chinese drawn by the page's own fonts).
echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/**
 * One ECharts chart that follows its option and its box's size. Its box says `data-chart-state="finished"`
 * once ECharts has drawn the current option (animation included), so a test or a screenshot can wait for
 * the picture a person would see rather than for a guessed delay.
 */
export function Chart(props: { option: EChartsCoreOption; height: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = echarts.init(element, undefined, { renderer: "svg" });
    chart.current = instance;
    instance.on("finished", () => element.setAttribute("data-chart-state", "finished"));
    const resized = new ResizeObserver(() => instance.resize());
    resized.observe(element);
    return () => {
      resized.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    // notMerge: a category that left the data (a channel filtered out) leaves the chart too.
    box.current?.setAttribute("data-chart-state", "drawing");
    chart.current?.setOption(props.option, { notMerge: true });
  }, [props.option]);

  return <div ref={box} style={{ height: props.height, width: "100%" }} data-testid={props.testId} />;
}
