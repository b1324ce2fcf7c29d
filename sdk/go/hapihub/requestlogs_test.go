package hapihub_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

func TestRequestLogFilterQuery(t *testing.T) {
	at := time.UnixMilli(1_750_000_000_000)
	cases := []struct {
		name string
		f    *hapihub.RequestLogFilter
		want url.Values
	}{
		{"nil", nil, url.Values{}},
		{"exact status and method", &hapihub.RequestLogFilter{Status: 404, Method: "GET"}, url.Values{"status": {"404"}, "method": {"GET"}}},
		{"status range", &hapihub.RequestLogFilter{StatusMin: 400, StatusMax: 499}, url.Values{"status[$gte]": {"400"}, "status[$lte]": {"499"}}},
		{"key and time", &hapihub.RequestLogFilter{KeyID: "key_1", CreatedFrom: at, CreatedBefore: at.Add(time.Hour)},
			url.Values{"keyId": {"key_1"}, "createdAt[$gte]": {"1750000000000"}, "createdAt[$lt]": {"1750003600000"}}},
		{"paging", &hapihub.RequestLogFilter{Limit: 50, Skip: 100, Total: true}, url.Values{"$limit": {"50"}, "$skip": {"100"}, "$total": {"true"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := url.ParseQuery(tc.f.Query().Encode())
			noErr(t, err)
			check.Equal(t, tc.want, got)
		})
	}
}
