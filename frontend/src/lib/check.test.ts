import { describe, expect, it } from 'vitest';
import { dateProblem, dateTimeProblem, idProblem, phoneProblem } from './check';

describe('desk checks', () => {
  it('ID numbers', () => {
    expect(idProblem('')).toEqual({ key: 'check.id.empty' });
    expect(idProblem('', false)).toBeNull();
    expect(idProblem('03709', false)).toBeNull(); // still typing
    expect(idProblem('03709')).toEqual({ key: 'check.id.digits', params: { n: 5 } });
    expect(idProblem('0370900012345', false)).toEqual({ key: 'check.id.digits', params: { n: 13 } });
    expect(idProblem('03709000123a', false)?.key).toBe('check.id.digits');
    expect(idProblem('037090001234')).toBeNull();
    expect(idProblem('037090001234|123|Nguyễn Văn An', false)).toBeNull(); // a scan
  });
  it('dates that exist', () => {
    expect(dateProblem('')).toBeNull();
    expect(dateProblem('05/09/1990')).toBeNull();
    expect(dateProblem('31/02/1990')).toEqual({ key: 'check.date' });
    expect(dateProblem('1990')).toEqual({ key: 'check.date' });
  });
  it('times', () => {
    expect(dateTimeProblem('')).toEqual({ key: 'check.datetime.empty' });
    expect(dateTimeProblem('04/12/2026 08:30')).toBeNull();
    expect(dateTimeProblem('04/12/2026 25:30')).toEqual({ key: 'check.datetime' });
    expect(dateTimeProblem('hôm qua')).toEqual({ key: 'check.datetime' });
  });
  it('phones', () => {
    expect(phoneProblem('')).toBeNull();
    expect(phoneProblem('0912 345 678')).toBeNull();
    expect(phoneProblem('+84912345678')).toBeNull();
    expect(phoneProblem('12')).toEqual({ key: 'check.phone' });
  });
});
