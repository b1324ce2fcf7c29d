package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), h)
	h2, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.NotEqual(t, h, h2, "a fresh salt each time")

	parts := strings.Split(h, "$")
	cases := []struct {
		name     string
		phc, pw  string
		expected bool
	}{
		{"the password", h, "correct horse battery", true},
		{"another password", h, "correct horse battery!", false},
		{"another hash's salt", strings.Join(append(append([]string{}, parts[:4]...), strings.Split(h2, "$")[4], parts[5]), "$"), "correct horse battery", false},
		{"other parameters are read from the hash", "$argon2id$v=19$m=8,t=1,p=1$" + parts[4] + "$" + parts[5], "correct horse battery", false},
		{"not argon2id", strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery", false},
		{"malformed", "$argon2id$v=19$m=x$a$b", "correct horse battery", false},
		{"empty", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.expected, CheckPassword(tc.phc, tc.pw))
		})
	}
}
