using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Content;

[Collection(PostgresCollection.Name)]
public sealed class GetHydraDumpContentTests : IDisposable
{
    private const string ContentCmd = "HydraMigration.Commands.GetHydraDumpContentCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public GetHydraDumpContentTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Theory]
    [InlineData("Custom", "shop.dump")]
    [InlineData("Directory", "shop.d")]
    [InlineData("Tar", "shop.tar")]
    public void ListsTheTableOfContentsOfEachFormat(string format, string name)
    {
        var path = Dump(format, name);
        var result = _ps.Run("Get-HydraDumpContent -Path $args[0]", path);
        Assert.Empty(result.Errors);
        var entries = result.Output;

        // The same entries pg_restore --list reports, by id and type.
        var listed = ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "--list", path })
            .Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).Select(l => int.Parse(l.Split(';')[0])).ToList();
        Assert.Equal(listed.Order(), entries.Select(e => (int)e.Properties["Id"].Value).Order());

        var orderLines = entries.Single(e => (string)e.Properties["Type"].Value == "TABLE DATA" && (string)e.Properties["Name"].Value == "order lines");
        Assert.Equal("sales", orderLines.Properties["Schema"].Value);
        Assert.True((long)orderLines.Properties["DataSize"].Value > 0);
        Assert.Equal("Data", orderLines.Properties["Section"].Value);
        Assert.Equal(path, orderLines.Properties["Path"].Value);

        var events = entries.Single(e => (string)e.Properties["Type"].Value == "TABLE" && (string)e.Properties["Name"].Value == "events");
        Assert.Equal("columnar", events.Properties["TableAccessMethod"].Value);
        Assert.Equal(SampleDatabase.OwnerRole, entries.Single(e => (string)e.Properties["Type"].Value == "TABLE" && (string)e.Properties["Name"].Value == "customers").Properties["Owner"].Value);
        Assert.Contains(entries, e => (string)e.Properties["Type"].Value == "EXTENSION" && (string)e.Properties["Name"].Value == "columnar");
        Assert.Null(events.Properties["DataSize"].Value);
    }

    [Fact]
    public void TakesADumpFromThePipelineAndFiltersWithWhereObject()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Get-HydraDumpContent | Where-Object { $_.Type -eq 'TABLE DATA' -and $_.Schema -eq 'sales' }", Path.Combine(_pg.NewFolder("pipe"), "p.dump"));
        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "customers", "events", "order lines" }, result.Output.Select(e => (string)e.Properties["Name"].Value).Order());
    }

    [Fact]
    public void CustomArchiveDataSizesAddUpToTheFile()
    {
        var path = Dump("Custom", "sizes.dump");
        var sizes = _ps.Run("Get-HydraDumpContent $args[0] | Where-Object DataSize | ForEach-Object DataSize", path).Output.Select(o => (long)o.BaseObject).ToList();
        Assert.NotEmpty(sizes);
        Assert.True(sizes.Sum() < new FileInfo(path).Length);
    }

    [Fact]
    public void ATableOfContentsCutAnywhereIsCaughtNeverMisread()
    {
        // The TOC parser reads through a buffer of its own: wherever the file ends, inside a
        // number, a string it skips or one it keeps, it must say so, not read past or invent.
        var path = Dump("Custom", "cut-anywhere.dump");
        var bytes = File.ReadAllBytes(path);
        var tocEnd = (int)Archive.ArchiveReader.Read(path).Entries.Where(e => e.DataOffset is not null).Min(e => e.DataOffset!.Value);
        var cut = Path.Combine(Path.GetDirectoryName(path)!, "cut.dump");
        for (var length = 0; length < tocEnd; length += length < 256 ? 1 : 13)
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            var error = Assert.Throws<HydraException>(() => Archive.ArchiveReader.Read(cut));
            Assert.True(error.Is(HydraErrors.ArchiveTruncated) || error.Is(HydraErrors.ArchiveNotRecognized), $"cut at {length} of {tocEnd}: {error.ErrorId} {error.Message}");
        }
    }

    [Fact]
    public void ADefinitionLongerThanTheReadersBufferIsReadWhole()
    {
        var db = _pg.NewDatabaseName("longdef");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {db}");
        var literal = string.Concat(Enumerable.Range(0, 9000).Select(i => i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture))); // 72,000 characters
        _pg.Source.Execute(db, $"CREATE FUNCTION public.long_one() RETURNS text LANGUAGE sql AS $$ SELECT '{literal}'::text $$; CREATE TABLE public.after_it (id int); INSERT INTO public.after_it VALUES (1), (2);");
        var path = Path.Combine(_pg.NewFolder("longdef"), "long.dump");
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", path }, _pg.Source.Environment(db));

        var toc = Archive.ArchiveReader.Read(path);

        Assert.Contains(literal, toc.Entries.Single(e => e.Desc == "FUNCTION" && e.Tag == "long_one()").Definition, StringComparison.Ordinal);
        var listed = ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "--list", path })
            .Split('\n').Count(l => l.Length > 0 && !l.StartsWith(';'));
        Assert.Equal(listed, toc.Entries.Count(e => e.IsSelectable));
        Assert.Equal("public", toc.Entries.Single(e => e.Desc == "TABLE" && e.Tag == "after_it").Namespace);
    }

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.999)]
    public void ATruncatedCustomArchiveIsCaught(double keep)
    {
        var path = Dump("Custom", "whole.dump");
        var bytes = File.ReadAllBytes(path);
        var cut = Path.Combine(Path.GetDirectoryName(path)!, "cut.dump");
        File.WriteAllBytes(cut, bytes.Take(Math.Min(bytes.Length - 3, (int)(bytes.Length * keep))).ToArray());

        var result = _ps.Run("Get-HydraDumpContent $args[0]", cut);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ArchiveTruncated," + ContentCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(cut, error.TargetObject);
        Assert.Contains("incomplete", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedTarAndADirectoryMissingAFileAreCaught()
    {
        var tar = Dump("Tar", "whole.tar");
        var bytes = File.ReadAllBytes(tar);
        File.WriteAllBytes(tar, bytes.Take(bytes.Length / 2).ToArray());
        Assert.Equal("ArchiveTruncated," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", tar).Errors).FullyQualifiedErrorId);

        var folder = Dump("Directory", "whole.d");
        File.Delete(Directory.GetFiles(folder, "*.dat.gz").First());
        Assert.Equal("ArchiveTruncated," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", folder).Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void FilesThatAreNotArchivesGetTheirOwnErrors()
    {
        var folder = _pg.NewFolder("notarchives");
        var random = Path.Combine(folder, "random.dump");
        File.WriteAllBytes(random, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251)).ToArray());
        var empty = Path.Combine(folder, "empty.dump");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        var header = Path.Combine(folder, "header-only.dump");
        File.WriteAllText(header, "PGDMP");
        var plain = Dump("Plain", "shop.sql");

        Assert.Equal("ArchiveNotRecognized," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", random).Errors).FullyQualifiedErrorId);
        Assert.Equal("ArchiveNotRecognized," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", empty).Errors).FullyQualifiedErrorId);
        Assert.Equal("ArchiveTruncated," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", header).Errors).FullyQualifiedErrorId);
        var plainError = Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", plain).Errors);
        Assert.Equal("ArchiveIsPlainSql," + ContentCmd, plainError.FullyQualifiedErrorId);
        Assert.Contains("psql", plainError.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("ArchiveNotFound," + ContentCmd, Assert.Single(_ps.Run("Get-HydraDumpContent $args[0]", Path.Combine(folder, "nope.dump")).Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void DefaultViewListsEntries()
    {
        var path = Dump("Custom", "view.dump");
        _ps.Run("Get-HydraDumpContent $args[0] | Out-Default", path);
        Assert.Matches(@"Id\s+Type\s+Schema\s+Name\s+Owner\s+AccessMethod\s+DataSize", _ps.Host.Text);
        Assert.Matches(@"\d+\s+TABLE\s+sales\s+events\s+postgres\s+columnar", _ps.Host.Text);
    }

    private string Dump(string format, string name)
    {
        var path = Path.Combine(_pg.NewFolder("content"), name);
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-F", format[..1].ToLowerInvariant(), "-f", path }, _pg.Source.Environment(_pg.Sample));
        return path;
    }
}
