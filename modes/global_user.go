package modes

import (
	"fmt"
	"regexp"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// Help strings of the password and secret keywords.
const (
	helpType0 = "Specifies an UNENCRYPTED password will follow"
	helpType5 = "Specifies a MD5 HASHED secret will follow"
	helpType7 = "Specifies a HIDDEN password will follow"
	helpType8 = "Specifies a PBKDF2 HASHED secret will follow"
	helpType9 = "Specifies a SCRYPT HASHED secret will follow"
)

// hashShapes are the forms of the hashed secret types IOS accepts.
var hashShapes = map[string]*regexp.Regexp{
	"5": regexp.MustCompile(`^\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}$`),
	"8": regexp.MustCompile(`^\$8\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}$`),
	"9": regexp.MustCompile(`^\$9\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}$`),
}

// secretArg returns the secret typed after one of the type keywords in
// types (the type is "" when none was given) and checks that a hashed
// secret has the form of its type. The error text is the one IOS prints
// for `enable secret 5 garbage` (UNCONFIRMED for types 8 and 9).
func secretArg(a parser.Args, name string, types ...string) (*runningconfig.Secret, error) {
	s := &runningconfig.Secret{Text: a.Get(name)}
	for _, t := range types {
		if a.Has(t) {
			s.Type = t
		}
	}
	if re, ok := hashShapes[s.Type]; ok && !re.MatchString(s.Text) {
		return nil, Errorf("ERROR: The secret you entered is not a valid encrypted secret.\n"+
			"To enter an UNENCRYPTED secret, do not specify type %s encryption.\n"+
			"When you properly enter an UNENCRYPTED secret, it will be encrypted.", s.Type)
	}
	return s, nil
}

func init() {
	ConfigMode.Add(
		&Command{
			Spec: "enable secret [level <0-15>] [0|5|8|9] LINE",
			Help: []string{"Modify enable password parameters", "Assign the privileged level secret (MAX of 25 characters)",
				"Set exec level password", "Level number", helpType0, helpType5, helpType8, helpType9,
				"The UNENCRYPTED (cleartext) 'enable' secret"},
			No:    "enable secret [level <0-15>]",
			Run:   func(c *Ctx, a parser.Args) error { return setEnable(c, a, false, "0", "5", "8", "9") },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.Global.DeleteEnable(false, enableLevel(a)); return nil },
		},
		&Command{
			Spec: "enable password [level <0-15>] [0|7] LINE",
			Help: []string{"Modify enable password parameters", "Assign the privileged level password (MAX of 25 characters)",
				"Set exec level password", "Level number", helpType0, helpType7,
				"The UNENCRYPTED (cleartext) 'enable' password"},
			No:    "enable password [level <0-15>]",
			Run:   func(c *Ctx, a parser.Args) error { return setEnable(c, a, true, "0", "7") },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.Global.DeleteEnable(true, enableLevel(a)); return nil },
		},
		&Command{
			Spec: "service password-encryption",
			Help: []string{"Modify use of network based services", "Encrypt system passwords"},
			Run: func(c *Ctx, a parser.Args) error {
				if err := c.Cfg.Global.EncryptPasswords(); err != nil {
					return fmt.Errorf("service password-encryption: %w", err)
				}
				c.Cfg.Global.PasswordEncryption = true
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.PasswordEncryption = false
				return nil
			},
		},
		&Command{
			Spec: "username WORD [privilege <0-15>] {secret [0|5|8|9] LINE$stext|password [0|7] LINE$ptext|nopassword|algorithm-type {md5|sha256|scrypt} secret LINE$stext}",
			Help: []string{"Establish User Name Authentication", "User name",
				"Set user privilege level", "User privilege level",
				"Specify the secret for the user", helpType0, helpType5, helpType8, helpType9, "The UNENCRYPTED (cleartext) user secret",
				"Specify the password for the user", helpType0, helpType7, "The UNENCRYPTED (cleartext) user password",
				"No password is required for the user to log in",
				"Algorithm to use for hashing the plaintext secret for the user",
				"Encode the password using the MD5 algorithm", "Encode the password using the PBKDF2 hashing algorithm",
				"Encode the password using the SCRYPT hashing algorithm",
				"Specify the secret for the user", "The UNENCRYPTED (cleartext) user secret"},
			No:  "username WORD",
			Run: setUser,
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.Users.Delete(a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "username WORD privilege <0-15>",
			Help: []string{"Establish User Name Authentication", "User name", "Set user privilege level", "User privilege level"},
			No:   "-",
			Run:  setUser,
		},
	)
}

// enableLevel is the level given with `level N`, 15 without.
func enableLevel(a parser.Args) int {
	if a.Has("level") {
		return a.Int("<0-15>")
	}
	return 15
}

// storeSecret hashes a plain-text secret into the given type (IOS-XE 17
// makes type 9 unless algorithm-type says otherwise); a secret given
// hashed is kept as typed.
func storeSecret(s *runningconfig.Secret, typ string) error {
	if s.Type != "" && s.Type != "0" {
		return nil
	}
	h, err := runningconfig.NewSecret(typ, s.Text)
	if err != nil {
		return fmt.Errorf("hashing the secret: %w", err)
	}
	*s = h
	return nil
}

// storePassword hides a plain-text password as type 7 when service
// password-encryption is on.
func storePassword(c *Ctx, s *runningconfig.Secret) error {
	if !c.Cfg.Global.PasswordEncryption {
		return nil
	}
	if err := s.Encrypt(); err != nil {
		return fmt.Errorf("encrypting the password: %w", err)
	}
	return nil
}

// setEnable sets the enable secret or password of a level.
func setEnable(c *Ctx, a parser.Args, password bool, types ...string) error {
	s, err := secretArg(a, "LINE", types...)
	if err != nil {
		return err
	}
	if password {
		err = storePassword(c, s)
	} else {
		err = storeSecret(s, "9")
	}
	if err != nil {
		return err
	}
	c.Cfg.Global.SetEnable(&runningconfig.EnablePW{Password: password, Level: enableLevel(a), Secret: *s})
	return nil
}

// setUser merges one `username` line into the user of that name.
func setUser(c *Ctx, a parser.Args) error {
	var sec, pw *runningconfig.Secret
	var err error
	if a.Has("stext") {
		if sec, err = secretArg(a, "stext", "0", "5", "8", "9"); err != nil {
			return err
		}
		if err = storeSecret(sec, algorithmType(a)); err != nil {
			return err
		}
	}
	if a.Has("ptext") {
		if pw, err = secretArg(a, "ptext", "0", "7"); err != nil {
			return err
		}
		if pw.Type == "" {
			pw.Type = "0" // IOS prints `username U password 0 P`
		}
		if err = storePassword(c, pw); err != nil {
			return err
		}
	}
	name := a.Get("WORD")
	u, ok := c.Cfg.Global.Users.Get(name)
	if !ok {
		u = &runningconfig.User{Name: name}
		c.Cfg.Global.Users.Set(name, u)
	}
	if a.Has("privilege") {
		p := a.Int("<0-15>")
		u.Privilege = &p
		if p == 1 {
			u.Privilege = nil // the default, not shown
		}
	}
	switch {
	case sec != nil:
		u.Secret, u.Password, u.NoPassword = sec, nil, false
	case pw != nil:
		u.Secret, u.Password, u.NoPassword = nil, pw, false
	case a.Has("nopassword"):
		u.Secret, u.Password, u.NoPassword = nil, nil, true
	}
	return nil
}

// algorithmType returns the secret type of the algorithm given after
// algorithm-type: md5 5, sha256 8, scrypt (and none) 9.
func algorithmType(a parser.Args) string {
	for k, t := range map[string]string{"md5": "5", "sha256": "8"} {
		if a.Has(k) {
			return t
		}
	}
	return "9"
}
