package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/logstore"
)

func TestRequestLogPutGetAndExpiry(t *testing.T) {
	ctx := context.Background()
	st, _, clock := newStore(t)
	in := domain.RequestLog{AccountID: "acct_1", Mode: domain.Live, Method: "POST", Path: "/patients", Organization: "org_1",
		KeyID: "key_1", KeyType: "secret", Session: "owner@example.com", Status: 400, ErrorEventID: "6c1f0f0e-0000-4000-8000-000000000001",
		RequestID: "gw-1", IdempotencyKey: "idem-1", DurationMs: 12}
	saved, err := st.PutRequestLog(ctx, in)
	require.NoError(t, err)
	assert.Regexp(t, `^req_[0-9A-Z]{26}$`, saved.ID)
	assert.Equal(t, clock.Now().UnixMilli(), saved.At, "At defaults to the store's clock")

	got, err := st.GetRequestLog(ctx, "acct_1", domain.Live, saved.ID)
	require.NoError(t, err)
	assert.Equal(t, saved, got)

	_, err = st.GetRequestLog(ctx, "acct_1", domain.Test, saved.ID)
	assert.Equal(t, apperr.NotFound, apperr.From(err).Kind, "logs are per mode")
	_, err = st.GetRequestLog(ctx, "acct_2", domain.Live, saved.ID)
	assert.Equal(t, apperr.NotFound, apperr.From(err).Kind, "logs are per account")

	clock.Advance(logstore.RequestLogTTL)
	_, err = st.GetRequestLog(ctx, "acct_1", domain.Live, saved.ID)
	assert.Equal(t, apperr.NotFound, apperr.From(err).Kind, "a log past its ttl is gone even before DynamoDB removes it")
	page, err := st.FindRequestLogs(ctx, "acct_1", domain.Live, domain.RequestLogFilter{Total: true}, 10, 0)
	require.NoError(t, err)
	assert.Empty(t, page.Logs)
	assert.Zero(t, page.Total)

	_, err = st.PutRequestLog(ctx, domain.RequestLog{Mode: domain.Test})
	assert.Error(t, err, "a log without an account is refused")
}

func TestFindRequestLogs(t *testing.T) {
	ctx := context.Background()
	st, _, clock := newStore(t)
	start := clock.Now().UnixMilli()
	// 30 logs a second apart: statuses cycle 200, 201, 400, 404, 500; methods GET/POST; keys key_a/key_b.
	statuses := []int{200, 201, 400, 404, 500}
	var all []domain.RequestLog
	for i := range 30 {
		l, err := st.PutRequestLog(ctx, domain.RequestLog{AccountID: "acct_1", Mode: domain.Test, Method: []string{"GET", "POST"}[i%2],
			Path: fmt.Sprintf("/patients/%d", i), KeyID: []string{"key_a", "key_b"}[i%3%2], Status: statuses[i%5]})
		require.NoError(t, err)
		all = append(all, l)
		clock.Advance(time.Second)
	}
	_, err := st.PutRequestLog(ctx, domain.RequestLog{AccountID: "acct_1", Mode: domain.Live, Method: "GET", Status: 200})
	require.NoError(t, err)

	want := func(keep func(domain.RequestLog) bool) []string {
		var ids []string
		for i := len(all) - 1; i >= 0; i-- { // newest first
			if keep(all[i]) {
				ids = append(ids, all[i].ID)
			}
		}
		return ids
	}
	cases := []struct {
		name        string
		f           domain.RequestLogFilter
		limit, skip int
		keep        func(domain.RequestLog) bool
	}{
		{"everything", domain.RequestLogFilter{}, 100, 0, func(domain.RequestLog) bool { return true }},
		{"exact status", domain.RequestLogFilter{Status: 404}, 100, 0, func(l domain.RequestLog) bool { return l.Status == 404 }},
		{"errors", domain.RequestLogFilter{StatusMin: 400}, 100, 0, func(l domain.RequestLog) bool { return l.Status >= 400 }},
		{"client errors", domain.RequestLogFilter{StatusMin: 400, StatusMax: 499}, 100, 0, func(l domain.RequestLog) bool { return l.Status >= 400 && l.Status <= 499 }},
		{"method and key", domain.RequestLogFilter{Method: "POST", KeyID: "key_b"}, 100, 0, func(l domain.RequestLog) bool { return l.Method == "POST" && l.KeyID == "key_b" }},
		{"time range", domain.RequestLogFilter{CreatedFrom: start + 10_000, CreatedBefore: start + 20_000}, 100, 0,
			func(l domain.RequestLog) bool { return l.At >= start+10_000 && l.At < start+20_000 }},
		{"empty range", domain.RequestLogFilter{CreatedFrom: start + 20_000, CreatedBefore: start + 10_000}, 100, 0, func(domain.RequestLog) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Total = true
			page, err := st.FindRequestLogs(ctx, "acct_1", domain.Test, tc.f, tc.limit, tc.skip)
			require.NoError(t, err)
			var got []string
			for _, l := range page.Logs {
				got = append(got, l.ID)
			}
			exp := want(tc.keep)
			assert.Equal(t, exp, got)
			assert.Equal(t, len(exp), page.Total)
		})
	}

	t.Run("pages", func(t *testing.T) {
		everything := want(func(domain.RequestLog) bool { return true })
		var seen []string
		for skip := 0; skip < 40; skip += 7 {
			page, err := st.FindRequestLogs(ctx, "acct_1", domain.Test, domain.RequestLogFilter{}, 7, skip)
			require.NoError(t, err)
			assert.Zero(t, page.Total, "no total unless asked")
			for _, l := range page.Logs {
				seen = append(seen, l.ID)
			}
		}
		assert.Equal(t, everything, seen, "pages of 7 cover every log once, newest first")
	})
}
