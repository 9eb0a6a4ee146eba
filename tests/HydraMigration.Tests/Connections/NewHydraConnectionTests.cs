using System;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Connections;

public sealed class NewHydraConnectionTests : IDisposable
{
    private const string Secret = "s3cr:et\\pa'ss";
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void InlineParametersAndDefaults()
    {
        var c = _ps.Run("New-HydraConnection -HostName db1 -Database shop -UserName admin").Single<object>();
        var o = PSObject.AsPSObject(c);
        Assert.Equal("db1", o.Properties["HostName"].Value);
        Assert.Equal(5432, o.Properties["Port"].Value);
        Assert.Equal("shop", o.Properties["Database"].Value);
        Assert.Equal("admin", o.Properties["UserName"].Value);
        Assert.Equal("Prefer", o.Properties["SslMode"].Value.ToString());
        Assert.Equal("admin@db1:5432/shop", c.ToString());
    }

    [Theory]
    [InlineData("postgresql://alice@db.example.net:6543/sales?sslmode=require&application_name=nightly", "db.example.net", 6543, "sales", "alice", "Require")]
    [InlineData("postgres://bob@[::1]:5433/my%20db?sslmode=verify-full", "::1", 5433, "my db", "bob", "VerifyFull")]
    [InlineData("host=db2 port=5999 dbname='it\\'s \\'quoted\\'' user=carol sslmode=disable", "db2", 5999, "it's 'quoted'", "carol", "Disable")]
    public void ParsesLibpqConnectionStrings(string connectionString, string host, int port, string database, string user, string sslMode)
    {
        var result = _ps.Run("New-HydraConnection -ConnectionString $args[0]", connectionString);
        Assert.Empty(result.Errors);
        var o = result.Output.Single();
        Assert.Equal(host, o.Properties["HostName"].Value);
        Assert.Equal(port, o.Properties["Port"].Value);
        Assert.Equal(database, o.Properties["Database"].Value);
        Assert.Equal(user, o.Properties["UserName"].Value);
        Assert.Equal(sslMode, o.Properties["SslMode"].Value.ToString());
    }

    [Fact]
    public void KeyValueQuotingWithBackslashEscapes()
    {
        var o = _ps.Run("New-HydraConnection -ConnectionString $args[0]", @"host=db2 dbname='it\'s here' user=carol").Output.Single();
        Assert.Equal("it's here", o.Properties["Database"].Value);
    }

    [Fact]
    public void ExplicitParametersOverrideTheConnectionString()
    {
        var o = _ps.Run("New-HydraConnection -ConnectionString 'postgresql://alice@a:1111/x' -HostName b -Port 2222").Output.Single();
        Assert.Equal("b", o.Properties["HostName"].Value);
        Assert.Equal(2222, o.Properties["Port"].Value);
        Assert.Equal("x", o.Properties["Database"].Value);
    }

    [Fact]
    public void PasswordInAUriBecomesACredentialAndIsNeverShown()
    {
        var uri = "postgresql://alice:" + Uri.EscapeDataString(Secret) + "@db:5432/shop";
        var result = _ps.Run("$c = New-HydraConnection -ConnectionString $args[0]; $c; $c.ToString(); $c | Out-Default; $c.Credential.GetNetworkCredential().Password", uri);
        Assert.Empty(result.Errors);
        Assert.Equal(Secret, result.Output.Last().ToString()); // kept, for the tools to use
        Assert.True((bool)result.Output[0].Properties["HasPassword"].Value);
        Assert.DoesNotContain(Secret, result.Output[1].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", _ps.Host.Text, StringComparison.Ordinal);
        Assert.Contains("(set)", _ps.Host.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void CredentialSuppliesUserAndPassword()
    {
        var result = _ps.Run(@"$cred = [pscredential]::new('dbadmin', (ConvertTo-SecureString $args[0] -AsPlainText -Force))
            New-HydraConnection -HostName h -Credential $cred", Secret);
        if (result.Errors.Count > 0 && result.Errors[0].FullyQualifiedErrorId.StartsWith("CommandNotFoundException", StringComparison.Ordinal))
        {
            // ConvertTo-SecureString lives in Microsoft.PowerShell.Security, not in the hosted core engine.
            result = _ps.Run(@"$s = [securestring]::new(); foreach ($ch in $args[0].ToCharArray()) { $s.AppendChar($ch) }
                New-HydraConnection -HostName h -Credential ([pscredential]::new('dbadmin', $s))", Secret);
        }

        Assert.Empty(result.Errors);
        var o = result.Output.Single();
        Assert.Equal("dbadmin", o.Properties["UserName"].Value);
        Assert.True((bool)o.Properties["HasPassword"].Value);
    }

    [Fact]
    public void ObjectsPipedInByPropertyNameGiveOneConnectionEach()
    {
        var result = _ps.Run(@"
            @([pscustomobject]@{ HostName = 'east'; Port = '5433'; Database = 'a'; UserName = 'u1' },
              [pscustomobject]@{ HostName = 'west'; Port = '5434'; Database = 'b'; UserName = 'u2'; SslMode = 'Require' }) | New-HydraConnection");
        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "u1@east:5433/a", "u2@west:5434/b" }, result.Output.Select(o => o.ToString()));
        Assert.Equal("Require", result.Output[1].Properties["SslMode"].Value.ToString());
    }

    [Theory]
    [InlineData("host=db password=two words")]
    [InlineData("host=db password='it''s'")]
    [InlineData("postgresql://u:pa/ss@h/db")]
    public void ErrorsNeverShowAPieceOfThePassword(string connectionString)
    {
        var result = _ps.Run("New-HydraConnection -ConnectionString $args[0]", connectionString);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ConnectionStringInvalid,HydraMigration.Commands.NewHydraConnectionCommand", error.FullyQualifiedErrorId);
        foreach (var piece in new[] { "words", "'s", "pa", "ss" })
        {
            Assert.DoesNotContain("'" + piece, error.Exception.Message, StringComparison.Ordinal);
        }

        Assert.Contains("not shown", error.Exception.Message, StringComparison.Ordinal);
        Assert.NotNull(error.TargetObject);
    }

    [Theory]
    [InlineData("host=db nosuchoption=1")]
    [InlineData("postgresql://u@h:notaport/db")]
    [InlineData("host=db sslmode=sometimes")]
    [InlineData("postgresql://u@h1,h2/db")]
    public void BadConnectionStringsAreClearErrorsThatNeverEchoThePassword(string connectionString)
    {
        var result = _ps.Run("New-HydraConnection -ConnectionString ($args[0] + ' password=' + $args[1])", connectionString.StartsWith("postgresql", StringComparison.Ordinal) ? connectionString.Replace("u@", "u:" + Uri.EscapeDataString(Secret) + "@", StringComparison.Ordinal) : connectionString, Secret);
        Assert.Empty(result.Output);
        Assert.Equal("ConnectionStringInvalid,HydraMigration.Commands.NewHydraConnectionCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.DoesNotContain("s3cr", result.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultViewRendersTheConnection()
    {
        _ps.Run("New-HydraConnection -HostName db1 -Port 6000 -Database shop -UserName admin | Out-Default");
        var text = _ps.Host.Text;
        Assert.Matches(@"HostName\s+Port\s+Database\s+UserName\s+SslMode\s+Password", text);
        Assert.Matches(@"db1\s+6000\s+shop\s+admin\s+Prefer\s+\(libpq\)", text);
    }
}
