/**
 * The timeline chart's geometry (README, "Console"): one mark per distinct event on a time axis,
 * and the recording's status as coloured bands. Pure, so it is tested without a browser; the view
 * turns it into SVG.
 */
export interface TimelineEventInput {
  readonly eventType: string;
  readonly occurredAt: string | null;
  readonly appliedAt: string;
  readonly eventId: string;
}

export interface TimelineMark {
  readonly eventId: string;
  readonly eventType: string;
  readonly time: string;
  readonly x: number;
  readonly y: number;
  /** `<title>`: the event type exactly as the events route gives it, then its time. */
  readonly title: string;
}

export interface TimelineBand {
  readonly status: string;
  readonly x: number;
  readonly width: number;
  readonly title: string;
}

export interface TimelineTick {
  readonly x: number;
  readonly label: string;
}

export interface TimelineLayout {
  readonly width: number;
  readonly height: number;
  readonly marks: readonly TimelineMark[];
  readonly bands: readonly TimelineBand[];
  readonly ticks: readonly TimelineTick[];
  readonly axisY: number;
  readonly start: string | null;
  readonly end: string | null;
}

export const TIMELINE_SIZE = { width: 900, height: 150, left: 20, right: 20, bandY: 96, bandHeight: 18 } as const;
/** Marks at one time are spread over this many rows, so each stays separately hoverable. */
const LANES = 4;

const timeOf = (event: TimelineEventInput) => event.occurredAt ?? event.appliedAt;

/**
 * Lays out `events` (oldest first, as the route gives them). The bands: the recording was active from its first
 * event to its last one, then holds `status` (its current one) to the end of the axis. The page cannot know the
 * status between two events without each vendor's status rule, so it draws no more than it knows.
 */
export function layoutTimeline(events: readonly TimelineEventInput[], status: string): TimelineLayout {
  const { width, height, left, right, bandY, bandHeight } = TIMELINE_SIZE;
  const axisY = bandY + bandHeight + 6;
  if (events.length === 0) return { width, height, marks: [], bands: [], ticks: [], axisY, start: null, end: null };
  const times = events.map((event) => Date.parse(timeOf(event)));
  const first = Math.min(...times);
  const last = Math.max(...times);
  // A single instant still gets an axis: a minute either side.
  const span = last - first || 120_000;
  const startMs = last === first ? first - 60_000 : first - span * 0.02;
  const endMs = last === first ? last + 60_000 : last + span * 0.08;
  const scale = (ms: number) => left + ((ms - startMs) / (endMs - startMs)) * (width - left - right);
  const laneOf = new Map<number, number>();
  const marks = events.map((event, index) => {
    const ms = times[index] ?? first;
    const lane = laneOf.get(ms) ?? 0;
    laneOf.set(ms, lane + 1);
    const time = new Date(ms).toISOString();
    return {
      eventId: event.eventId,
      eventType: event.eventType,
      time,
      x: round(scale(ms)),
      y: 20 + (lane % LANES) * 18,
      title: `${event.eventType} at ${time}`,
    };
  });
  const bands: TimelineBand[] = [];
  const activeEnd = status === 'recording' ? endMs : last;
  if (activeEnd > first) {
    bands.push({
      status: 'recording',
      x: round(scale(first)),
      width: round(scale(activeEnd) - scale(first)),
      title: `recording from ${new Date(first).toISOString()}`,
    });
  }
  if (status !== 'recording') {
    bands.push({
      status,
      x: round(scale(last)),
      width: round(scale(endMs) - scale(last)),
      title: `${status} since ${new Date(last).toISOString()}`,
    });
  }
  // Seconds on the labels, milliseconds when the whole axis is shorter than a minute.
  const labelEnd = endMs - startMs < 60_000 ? 23 : 19;
  const ticks = [0.05, 0.35, 0.65, 0.95].map((fraction) => {
    const ms = startMs + fraction * (endMs - startMs);
    return { x: round(scale(ms)), label: new Date(ms).toISOString().slice(11, labelEnd) };
  });
  return {
    width,
    height,
    marks,
    bands,
    ticks,
    axisY,
    start: new Date(first).toISOString(),
    end: new Date(last).toISOString(),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
