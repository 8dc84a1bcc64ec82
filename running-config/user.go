package runningconfig

import "strconv"

// User is a `username NAME ...` entry. Several `username NAME` lines merge
// into one user, rendered on one line in the IOS order: privilege, then the
// secret or password.
type User struct {
	Name string
	// Privilege is the privilege level (nil: not configured, level 1).
	Privilege *int
	// Secret and Password are exclusive; NoPassword is `nopassword`.
	Secret, Password *Secret
	NoPassword       bool
}

func (u *User) render(w *writer) {
	s := "username " + u.Name
	if u.Privilege != nil {
		s += " privilege " + strconv.Itoa(*u.Privilege)
	}
	switch {
	case u.Secret != nil:
		s += " secret " + u.Secret.String()
	case u.Password != nil:
		s += " password " + u.Password.String()
	case u.NoPassword:
		s += " nopassword"
	}
	w.line("%s", s)
}

// EncryptPasswords turns the plain-text user and enable passwords into
// type 7, as `service password-encryption` does when it is configured.
func (g *Global) EncryptPasswords() error {
	var err error
	g.Users.Each(func(_ string, u *User) {
		if u.Password != nil && err == nil {
			err = u.Password.Encrypt()
		}
	})
	for _, e := range g.Enable {
		if e.Password && err == nil {
			err = e.Secret.Encrypt()
		}
	}
	return err
}
