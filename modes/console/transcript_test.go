package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/modes"
)

func TestTranscriptRun(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{
			name:  "CRLF input",
			input: "conf t\r\nhostname R1\r\n",
			want: "Router#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n" +
				"Router(config)#hostname R1\n",
		},
		{
			name:  "exit ends the console",
			input: "exit\nshow running-config\n",
			want:  "Router#exit\n",
		},
		{
			name:  "input ends at a question",
			input: "configure\n",
			want:  "Router#configure\nConfiguring from terminal, memory, or network [terminal]? \n",
		},
		{
			name:  "answer abbreviates terminal",
			input: "configure\nter\nend\n",
			want: "Router#configure\nConfiguring from terminal, memory, or network [terminal]? ter\n" +
				"Enter configuration commands, one per line.  End with CNTL/Z.\nRouter(config)#end\n",
		},
		{
			name:  "? ends a line without running it",
			input: "conf t\nhostname X ?\n",
			want: "Router#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n" +
				"Router(config)#hostname X ?\n  <cr>  <cr>\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var screen bytes.Buffer
			tr := NewTranscript(modes.NewSession(modes.NewSystem(), "console"), &screen)
			if err := tr.Run(strings.NewReader(tt.input)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, screen.String()); diff != "" {
				t.Errorf("screen (-want +got):\n%s", diff)
			}
		})
	}
}
