package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"/keys", "/keys"},
		{"/webhooks/we_123/deliveries/del_1", "/webhooks/we_123/deliveries/del_1"},
		{"/logs?status=4xx&method=GET", "/logs?status=4xx&method=GET"},
		{"/", "/"},
		{"", ""},
		{"keys", ""},
		{"//evil.example/x", ""},
		{"https://evil.example/", ""},
		{"/\\evil.example", ""},
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/../../api-keys", ""},
		{"/keys/../../../evil", ""},
		{"/%2e%2e/%2E%2E/evil", ""},
		{"/./keys", ""},
		{"/keys\x00", ""},
	} {
		assert.Equal(t, tc.want, safeNext(tc.in), "%q", tc.in)
	}
}
