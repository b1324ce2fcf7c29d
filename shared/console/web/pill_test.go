package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusPill(t *testing.T) {
	tests := []struct{ status, class string }{
		{"active", "pill pill-ok"},
		{"succeeded", "pill pill-ok"},
		{"enabled", "pill pill-ok"},
		{"paid", "pill pill-ok"},
		{"booked", "pill pill-ok"},
		{"pending", "pill pill-warn"},
		{"expiring", "pill pill-warn"},
		{"draft", "pill pill-warn"},
		{"failed", "pill pill-bad"},
		{"revoked", "pill pill-bad"},
		{"cancelled", "pill pill-bad"},
		{"deceased", "pill pill-bad"},
		{"test", "pill"},
		{"", "pill"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.class, StatusPill(tt.status), tt.status)
	}
}
