package export

import (
	"strconv"
	"time"

	"lamport/core"
)

// appendMsgID appends m's name, "<sender>:<seq>", as core.Message.ID
// spells it, without building the string.
func appendMsgID(b []byte, m core.Message) []byte {
	b = strconv.AppendUint(b, uint64(m.From), 10)
	b = append(b, ':')
	return strconv.AppendUint(b, m.Seq, 10)
}

// appendLogTime appends t in UTC as core.LogTimeLayout formats it, by hand:
// exports print a time on every line, and time.Format was the largest cost
// of a JSON line.
func appendLogTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, core.LogTimeLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends v, which is >= 0, as exactly n decimal digits.
func appendDigits(b []byte, v, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; n > 0; i, n = i-1, n-1 {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}
