package textfmt

import (
	"errors"
	"strings"
	"testing"
)

func TestThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1 000", 82800: "82 800", 1234567: "1 234 567",
		18446744073709551615: "18 446 744 073 709 551 615"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTableAlignsRight(t *testing.T) {
	var b strings.Builder
	p := &Writer{W: &b}
	p.Table([][]string{{"machine", "events"}, {"1", "82 800"}, {"12", ""}})
	want := "  machine  events\n        1  82 800\n       12\n"
	if b.String() != want || p.Err != nil {
		t.Fatalf("table:\n%q\nwant\n%q (err %v)", b.String(), want, p.Err)
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) { f.n++; return 0, errors.New("disk full") }

func TestWriterStopsAtTheFirstError(t *testing.T) {
	f := &failing{}
	p := &Writer{W: f}
	p.Printf("a")
	p.Printf("b")
	if p.Err == nil || f.n != 1 {
		t.Fatalf("err %v after %d writes; want the first error and no second write", p.Err, f.n)
	}
}
