package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/scheduler"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNextAfter(t *testing.T) {
	// 2026-03-01 is a Sunday.
	const t0 = "2026-03-01T12:00:30Z"
	tests := []struct {
		expr, from, want string
	}{
		{"rate(1 minute)", t0, "2026-03-01T12:01:30Z"},
		{"rate(5 minutes)", t0, "2026-03-01T12:05:30Z"},
		{"rate(1 hour)", t0, "2026-03-01T13:00:30Z"},
		{"rate(12 hours)", t0, "2026-03-02T00:00:30Z"},
		{"rate(1 day)", t0, "2026-03-02T12:00:30Z"},
		{"rate(2 days)", t0, "2026-03-03T12:00:30Z"},
		{"cron(* * * * ? *)", t0, "2026-03-01T12:01:00Z"},
		{"cron(0/15 * * * ? *)", t0, "2026-03-01T12:15:00Z"},
		{"cron(0/15 * * * ? *)", "2026-03-01T12:15:00Z", "2026-03-01T12:30:00Z"},
		{"cron(*/20 * * * ? *)", "2026-03-01T12:45:00Z", "2026-03-01T13:00:00Z"},
		{"cron(5-10/5 * * * ? *)", t0, "2026-03-01T12:05:00Z"},
		{"cron(5-10/5 * * * ? *)", "2026-03-01T12:07:00Z", "2026-03-01T12:10:00Z"},
		{"cron(0 10 * * ? *)", t0, "2026-03-02T10:00:00Z"},
		{"cron(15 12 * * ? *)", t0, "2026-03-01T12:15:00Z"},
		{"cron(0 10,15 * * ? *)", t0, "2026-03-01T15:00:00Z"},
		{"cron(0 18 ? * MON-FRI *)", t0, "2026-03-02T18:00:00Z"},
		{"cron(0 18 ? * 2-6 *)", "2026-03-06T18:00:00Z", "2026-03-09T18:00:00Z"},
		{"cron(0 13 ? * SUN *)", t0, "2026-03-01T13:00:00Z"},
		{"cron(0 9 ? * 1 *)", t0, "2026-03-08T09:00:00Z"},
		{"cron(0 8 1 * ? *)", t0, "2026-04-01T08:00:00Z"},
		{"cron(0 0 31 * ? *)", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"},
		{"cron(0 0 1 JAN,JUL ? *)", t0, "2026-07-01T00:00:00Z"},
		{"cron(0 0 1 jan ? *)", t0, "2027-01-01T00:00:00Z"},
		{"cron(0 0 1 1 ? 2030)", t0, "2030-01-01T00:00:00Z"},
		{"cron(0 0 1 1 ? 2028-2030/2)", "2028-01-01T00:00:00Z", "2030-01-01T00:00:00Z"},
		{"cron(0 12 L * ? *)", t0, "2026-03-31T12:00:00Z"},
		{"cron(0 12 L * ? *)", "2028-02-10T00:00:00Z", "2028-02-29T12:00:00Z"},
		{"cron(0 12 L FEB ? *)", t0, "2027-02-28T12:00:00Z"},
		{"cron(0 9 LW * ? *)", t0, "2026-03-31T09:00:00Z"},
		{"cron(0 9 LW * ? *)", "2026-02-01T00:00:00Z", "2026-02-27T09:00:00Z"},
		{"cron(0 9 15W * ? *)", t0, "2026-03-16T09:00:00Z"},
		{"cron(0 9 1W * ? *)", "2026-07-15T00:00:00Z", "2026-08-03T09:00:00Z"},
		{"cron(0 9 31W * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T09:00:00Z"},
		{"cron(0 9 ? * 6L *)", t0, "2026-03-27T09:00:00Z"},
		{"cron(0 9 ? * FRIL *)", t0, "2026-03-27T09:00:00Z"},
		{"cron(0 9 ? * 3#2 *)", t0, "2026-03-10T09:00:00Z"},
		{"cron(0 9 ? * TUE#5 *)", t0, "2026-03-31T09:00:00Z"},
		{"cron(0 9 ? * L *)", t0, "2026-03-07T09:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" from "+tt.from, func(t *testing.T) {
			got, err := scheduler.NextAfter(tt.expr, at(tt.from))
			require.NoError(t, err)
			assert.Equal(t, at(tt.want), got.UTC())
		})
	}
}

func TestInvalidExpressions(t *testing.T) {
	tests := []string{
		"rate(1 minutes)", "rate(5 minute)", "rate(1 hours)", "rate(2 day)", "rate(0 minutes)", "rate(-1 minutes)",
		"rate(1.5 hours)", "rate(1 week)", "rate(minute)", "rate 1 minute",
		"cron(* * * * * *)", "cron(0 10 ? * ? *)", "cron(0 10 * * ?)", "cron(0 10 * * ? * *)",
		"cron(60 * * * ? *)", "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)", "cron(0 0 0 * ? *)", "cron(0 0 1 13 ? *)",
		"cron(0 0 ? * 8 *)", "cron(0 0 ? * 3#1,6#3 *)", "cron(0 0 ? * 3#6 *)", "cron(0 0 1 1 ? 2200)", "cron(0 0 1 1 ? 1969)",
		"cron(10-5 * * * ? *)", "cron(0/0 * * * ? *)", "cron(0 0 1 FOO ? *)", "at(2026-03-01T00:00:00)", "",
	}
	for _, expr := range tests {
		t.Run(expr, func(t *testing.T) {
			assert.Error(t, scheduler.Validate(expr))
			_, err := scheduler.NextAfter(expr, at("2026-03-01T00:00:00Z"))
			assert.Error(t, err)
		})
	}
	_, err := scheduler.NextAfter("cron(0 0 1 1 ? 2020)", at("2026-03-01T00:00:00Z"))
	assert.ErrorContains(t, err, "never fires")
}
