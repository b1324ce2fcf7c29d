package textsearch

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/german_vocab.txt is every 25th pair of the Snowball German sample
// vocabulary (snowballstem/snowball-data german/voc.txt and output.txt, in
// the version for the classic algorithm that MongoDB's libstemmer has).
func TestGermanVocabulary(t *testing.T) {
	f, err := os.Open("testdata/german_vocab.txt")
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, want, ok := strings.Cut(sc.Text(), " ")
		require.True(t, ok, "line %q", sc.Text())
		assert.Equal(t, want, stemGerman(word), "stem of %q", word)
		n++
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, n, 1000)
}

func TestGermanSteps(t *testing.T) {
	tests := []struct{ word, want, why string }{
		{"äckern", "ack", "step 1 -ern, umlaut removed"},
		{"ackers", "ack", "step 1 -s after valid s-ending r, then step 2 -er"},
		{"armes", "arm", "step 1 -es"},
		{"bedürfnissen", "bedurfnis", "step 1 -en then niss → nis"},
		{"derbsten", "derb", "step 1 -en, step 2 -st after valid st-ending b"},
		{"kleinste", "klein", "-e then -st"},
		{"häuser", "haus", "step 1 -er"},
		{"groß", "gross", "ß → ss"},
		{"bauen", "bau", "step 1 -en (u between vowels is a consonant)"},
		{"abhängigkeit", "abhang", "step 3 -keit then -ig"},
		{"freundlichkeit", "freundlich", "-keit, -lich not in R2"},
		{"heiterkeit", "heiter", "-keit deleted"},
		{"abendländischen", "abendland", "-en then -isch"},
		{"zeitung", "zeitung", "-ung not in R2"},
		{"wirklichkeit", "wirklich", "-keit in R2"},
		{"ab", "ab", "too short for regions"},
		{"", "", "empty word"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			assert.Equal(t, tt.want, stemGerman(tt.word), tt.why)
		})
	}
}
