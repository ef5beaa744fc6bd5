import { describe, expect, it } from 'vitest';
import { deriveEventId, withEventId } from '../../../lib/model/event-id';

describe('withEventId', () => {
  const content = { TaskId: 't', EventType: '301' };
  const make = () => withEventId({ taskId: 't', eventType: '301' }, () => content);

  it('computes the id from the content on first read, once', () => {
    let reads = 0;
    const event = withEventId({ taskId: 't' }, () => {
      reads += 1;
      return content;
    });
    expect(reads).toBe(0);
    expect(event.eventId).toBe(deriveEventId(content));
    expect(event.eventId).toBe(deriveEventId(content));
    expect(reads).toBe(1);
  });

  it('keeps its type true: a spread copy and JSON carry eventId', () => {
    const event = make();
    const copy = { ...event };
    expect(copy.eventId).toBe(deriveEventId(content));
    expect(JSON.parse(JSON.stringify(make()))).toEqual({
      taskId: 't',
      eventType: '301',
      eventId: deriveEventId(content),
    });
  });
});
