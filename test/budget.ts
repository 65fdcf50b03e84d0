import v8 from 'node:v8';
import vm from 'node:vm';

// A collection on demand makes both ends of a measurement live memory, not garbage awaiting a collection.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

export interface Cost<T> {
  result: T;
  /** User plus system CPU time: waiting for a core on a loaded machine does not inflate it. */
  cpuMs: number;
  /** The most JS heap and ArrayBuffer memory held at once beyond what was live before. */
  extraBytes: number;
}

/**
 * What `action` costs. Peak memory is what each garbage collection while it ran left live (and what a
 * collection at its end leaves), so garbage V8 had not yet collected is not counted as use.
 */
export async function cost<T>(action: () => T | Promise<T>): Promise<Cost<T>> {
  collect();
  const before = v8.getHeapStatistics();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const cpu = process.cpuUsage();
  const result = await action();
  const { user, system } = process.cpuUsage(cpu);
  collect();
  const peak = Math.max(...profiler.stop().statistics.map(({ afterGC: { heapStatistics: after } }) => after.usedHeapSize + after.externalMemory));
  return { result, cpuMs: (user + system) / 1000, extraBytes: Math.max(0, peak - before.used_heap_size - before.external_memory) };
}
