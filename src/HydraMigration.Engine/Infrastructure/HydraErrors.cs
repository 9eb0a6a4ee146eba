using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace HydraMigration;

/// <summary>
/// The catalog of every error the module reports: each reason defined once, with its category,
/// so no throw site can spell an id differently or pair it with another category. The ids are
/// public contract (users and scripts match <c>FullyQualifiedErrorId</c>; docs/ERRORS.md lists
/// them): add new ones, never rename. Raise one with
/// <c>throw new HydraException(HydraErrors.SshSessionClosed, message, target);</c>.
/// </summary>
internal static class HydraErrors
{
    // Connecting to PostgreSQL and parsing what names a server.
    public static readonly HydraError AuthenticationFailed = new(nameof(AuthenticationFailed), ErrorCategory.AuthenticationError);
    public static readonly HydraError ConnectTimeoutInvalid = new(nameof(ConnectTimeoutInvalid), ErrorCategory.InvalidArgument);
    public static readonly HydraError ConnectionFailed = new(nameof(ConnectionFailed), ErrorCategory.ConnectionError);
    public static readonly HydraError ConnectionStringInvalid = new(nameof(ConnectionStringInvalid), ErrorCategory.InvalidArgument);
    public static readonly HydraError DatabaseNotFound = new(nameof(DatabaseNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError ServerConnectionLost = new(nameof(ServerConnectionLost), ErrorCategory.ConnectionError);
    public static readonly HydraError ServerError = new(nameof(ServerError), ErrorCategory.ConnectionError);
    public static readonly HydraError ServerQueryFailed = new(nameof(ServerQueryFailed), ErrorCategory.InvalidOperation);
    public static readonly HydraError ServerUnreachable = new(nameof(ServerUnreachable), ErrorCategory.ConnectionError);
    public static readonly HydraError ServerUnreachableFromSshHost = new(nameof(ServerUnreachableFromSshHost), ErrorCategory.ConnectionError);
    public static readonly HydraError SshTunnelLost = new(nameof(SshTunnelLost), ErrorCategory.ConnectionError);
    public static readonly HydraError SslVerifyFullThroughTunnel = new(nameof(SslVerifyFullThroughTunnel), ErrorCategory.InvalidArgument);

    // SSH sessions, logins and host keys.
    public static readonly HydraError RemoteHashFailed = new(nameof(RemoteHashFailed), ErrorCategory.ReadError);
    public static readonly HydraError RemoteTempFolderFailed = new(nameof(RemoteTempFolderFailed), ErrorCategory.WriteError);
    public static readonly HydraError SshAuthenticationFailed = new(nameof(SshAuthenticationFailed), ErrorCategory.AuthenticationError);
    public static readonly HydraError SshConnectionFailed = new(nameof(SshConnectionFailed), ErrorCategory.ConnectionError);
    public static readonly HydraError SshConnectionLost = new(nameof(SshConnectionLost), ErrorCategory.ConnectionError);
    public static readonly HydraError SshConnectionRefused = new(nameof(SshConnectionRefused), ErrorCategory.ConnectionError);
    public static readonly HydraError SshCredentialMissing = new(nameof(SshCredentialMissing), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshHostKeyChanged = new(nameof(SshHostKeyChanged), ErrorCategory.SecurityError);
    public static readonly HydraError SshHostKeyFingerprintInvalid = new(nameof(SshHostKeyFingerprintInvalid), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshHostKeyMismatch = new(nameof(SshHostKeyMismatch), ErrorCategory.SecurityError);
    public static readonly HydraError SshHostKeyRevoked = new(nameof(SshHostKeyRevoked), ErrorCategory.SecurityError);
    public static readonly HydraError SshHostKeyUnknown = new(nameof(SshHostKeyUnknown), ErrorCategory.SecurityError);
    public static readonly HydraError SshHostNameMissing = new(nameof(SshHostNameMissing), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshHostNotFound = new(nameof(SshHostNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError SshHostUnreachable = new(nameof(SshHostUnreachable), ErrorCategory.ConnectionError);
    public static readonly HydraError SshKeyFileInvalid = new(nameof(SshKeyFileInvalid), ErrorCategory.InvalidData);
    public static readonly HydraError SshKeyFileNotFound = new(nameof(SshKeyFileNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError SshKeyPassphraseRequired = new(nameof(SshKeyPassphraseRequired), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshKeyPassphraseWrong = new(nameof(SshKeyPassphraseWrong), ErrorCategory.AuthenticationError);
    public static readonly HydraError SshSessionClosed = new(nameof(SshSessionClosed), ErrorCategory.ConnectionError);
    public static readonly HydraError SshSessionConflict = new(nameof(SshSessionConflict), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshSessionNotFound = new(nameof(SshSessionNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError SshSourceNeedsTcp = new(nameof(SshSourceNeedsTcp), ErrorCategory.InvalidArgument);
    public static readonly HydraError SshTimeout = new(nameof(SshTimeout), ErrorCategory.OperationTimeout);

    // The PostgreSQL client tools and the private temporary folders they run in.
    public static readonly HydraError PgToolNotFound = new(nameof(PgToolNotFound), ErrorCategory.NotInstalled);
    public static readonly HydraError PgToolStartFailed = new(nameof(PgToolStartFailed), ErrorCategory.ObjectNotFound, ErrorCategory.PermissionDenied);
    public static readonly HydraError PgToolTooOld = new(nameof(PgToolTooOld), ErrorCategory.NotInstalled);
    public static readonly HydraError TempDirectoryFailed = new(nameof(TempDirectoryFailed), ErrorCategory.WriteError);
    public static readonly HydraError TempFileFailed = new(nameof(TempFileFailed), ErrorCategory.WriteError);

    // Archives and manifests on disk.
    public static readonly HydraError ArchiveCorrupt = new(nameof(ArchiveCorrupt), ErrorCategory.InvalidData);
    public static readonly HydraError ArchiveIsPlainSql = new(nameof(ArchiveIsPlainSql), ErrorCategory.InvalidType);
    public static readonly HydraError ArchiveNotFound = new(nameof(ArchiveNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError ArchiveNotRecognized = new(nameof(ArchiveNotRecognized), ErrorCategory.InvalidData);
    public static readonly HydraError ArchiveReadFailed = new(nameof(ArchiveReadFailed), ErrorCategory.ReadError);
    public static readonly HydraError ArchiveTruncated = new(nameof(ArchiveTruncated), ErrorCategory.InvalidData);
    public static readonly HydraError ManifestInvalid = new(nameof(ManifestInvalid), ErrorCategory.InvalidData);
    public static readonly HydraError ManifestNotForTarget = new(nameof(ManifestNotForTarget), ErrorCategory.InvalidData);

    // New-HydraDump.
    public static readonly HydraError DumpAlreadyExists = new(nameof(DumpAlreadyExists), ErrorCategory.ResourceExists);
    public static readonly HydraError DumpDiskFull = new(nameof(DumpDiskFull), ErrorCategory.WriteError);
    public static readonly HydraError DumpFailed = new(nameof(DumpFailed), ErrorCategory.NotSpecified);
    public static readonly HydraError DumpFolderNotFound = new(nameof(DumpFolderNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError DumpIsRemote = new(nameof(DumpIsRemote), ErrorCategory.InvalidOperation);
    public static readonly HydraError DumpWriteFailed = new(nameof(DumpWriteFailed), ErrorCategory.WriteError);
    public static readonly HydraError JobsNeedDirectoryFormat = new(nameof(JobsNeedDirectoryFormat), ErrorCategory.InvalidArgument);
    public static readonly HydraError PgDumpFailed = new(nameof(PgDumpFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError SchemaOnlyWithDataOnly = new(nameof(SchemaOnlyWithDataOnly), ErrorCategory.InvalidArgument);

    // Copy-HydraDump and the SFTP transfer.
    public static readonly HydraError CopyBetweenSessions = new(nameof(CopyBetweenSessions), ErrorCategory.InvalidArgument);
    public static readonly HydraError CopyDestinationExists = new(nameof(CopyDestinationExists), ErrorCategory.ResourceExists);
    public static readonly HydraError CopyFailed = new(nameof(CopyFailed), ErrorCategory.NotSpecified);
    public static readonly HydraError CopyFolderNotFound = new(nameof(CopyFolderNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError CopySameFile = new(nameof(CopySameFile), ErrorCategory.InvalidArgument);
    public static readonly HydraError CopySourceNotFound = new(nameof(CopySourceNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError CopyVerificationFailed = new(nameof(CopyVerificationFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError TransferFailed = new(nameof(TransferFailed), ErrorCategory.ReadError, ErrorCategory.WriteError, ErrorCategory.PermissionDenied, ErrorCategory.ObjectNotFound);
    public static readonly HydraError TransferResumeMismatch = new(nameof(TransferResumeMismatch), ErrorCategory.InvalidData);

    // New-HydraDatabase.
    public static readonly HydraError CreateDatabaseDenied = new(nameof(CreateDatabaseDenied), ErrorCategory.PermissionDenied);
    public static readonly HydraError CreateDatabaseFailed = new(nameof(CreateDatabaseFailed), ErrorCategory.InvalidOperation);
    public static readonly HydraError DatabaseAlreadyExists = new(nameof(DatabaseAlreadyExists), ErrorCategory.ResourceExists);
    public static readonly HydraError DatabaseInUse = new(nameof(DatabaseInUse), ErrorCategory.ResourceBusy);
    public static readonly HydraError EncodingLocaleMismatch = new(nameof(EncodingLocaleMismatch), ErrorCategory.InvalidArgument);
    public static readonly HydraError ExtensionNotAvailable = new(nameof(ExtensionNotAvailable), ErrorCategory.NotInstalled);
    public static readonly HydraError IfNotExistsWithForce = new(nameof(IfNotExistsWithForce), ErrorCategory.InvalidArgument);
    public static readonly HydraError LocaleNotAvailable = new(nameof(LocaleNotAvailable), ErrorCategory.InvalidArgument);

    // Restore-HydraDump: its options, the preflight on the target and the restore itself.
    public static readonly HydraError CleanWithDataOnly = new(nameof(CleanWithDataOnly), ErrorCategory.InvalidArgument);
    public static readonly HydraError CleanWithJobs = new(nameof(CleanWithJobs), ErrorCategory.InvalidArgument);
    public static readonly HydraError CollationMissing = new(nameof(CollationMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError ColumnarAccessMethodMissing = new(nameof(ColumnarAccessMethodMissing), ErrorCategory.NotInstalled);
    public static readonly HydraError DatabasePrivilegeMissing = new(nameof(DatabasePrivilegeMissing), ErrorCategory.PermissionDenied);
    public static readonly HydraError EncodingMismatch = new(nameof(EncodingMismatch), ErrorCategory.InvalidData);
    public static readonly HydraError ExtensionNeedsSuperuser = new(nameof(ExtensionNeedsSuperuser), ErrorCategory.PermissionDenied);
    public static readonly HydraError JobsNeedCustomOrDirectory = new(nameof(JobsNeedCustomOrDirectory), ErrorCategory.InvalidArgument);
    public static readonly HydraError OwnerRoleNotGranted = new(nameof(OwnerRoleNotGranted), ErrorCategory.PermissionDenied);
    public static readonly HydraError RestoreFailed = new(nameof(RestoreFailed), ErrorCategory.NotSpecified);
    public static readonly HydraError RoleCreateDenied = new(nameof(RoleCreateDenied), ErrorCategory.PermissionDenied);
    public static readonly HydraError RoleMissing = new(nameof(RoleMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError SchemaMissing = new(nameof(SchemaMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError SchemaPrivilegeMissing = new(nameof(SchemaPrivilegeMissing), ErrorCategory.PermissionDenied);
    public static readonly HydraError SingleTransactionWithJobs = new(nameof(SingleTransactionWithJobs), ErrorCategory.InvalidArgument);
    public static readonly HydraError TargetConnectionLost = new(nameof(TargetConnectionLost), ErrorCategory.ConnectionError);
    public static readonly HydraError TargetNotEmpty = new(nameof(TargetNotEmpty), ErrorCategory.ResourceExists);
    public static readonly HydraError TargetServerOlder = new(nameof(TargetServerOlder), ErrorCategory.InvalidOperation);

    // Copy-HydraDatabase: the direct copy between two servers.
    public static readonly HydraError ManifestWriteFailed = new(nameof(ManifestWriteFailed), ErrorCategory.WriteError);
    public static readonly HydraError SourceConnectionLost = new(nameof(SourceConnectionLost), ErrorCategory.ConnectionError);
    public static readonly HydraError SourceIsDestination = new(nameof(SourceIsDestination), ErrorCategory.InvalidArgument);
    public static readonly HydraError TableCopyConnectionLost = new(nameof(TableCopyConnectionLost), ErrorCategory.ConnectionError);
    public static readonly HydraError TableCopyFailed = new(nameof(TableCopyFailed), ErrorCategory.InvalidData);

    // Restore issues: one pg_restore error (classified from its ERROR: line, the only text the tool gives) or one setting the restore re-applies, reported per issue.
    public static readonly HydraError ColumnarOptionsFailed = new(nameof(ColumnarOptionsFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError DatabaseSettingFailed = new(nameof(DatabaseSettingFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError DatabaseStateFailed = new(nameof(DatabaseStateFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreAccessMethodMissing = new(nameof(PgRestoreAccessMethodMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError PgRestoreCollationMissing = new(nameof(PgRestoreCollationMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError PgRestoreDuplicateKey = new(nameof(PgRestoreDuplicateKey), ErrorCategory.ResourceExists);
    public static readonly HydraError PgRestoreError = new(nameof(PgRestoreError), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreMissingExtension = new(nameof(PgRestoreMissingExtension), ErrorCategory.NotInstalled);
    public static readonly HydraError PgRestoreNotExtensionOwner = new(nameof(PgRestoreNotExtensionOwner), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreObjectExists = new(nameof(PgRestoreObjectExists), ErrorCategory.ResourceExists);
    public static readonly HydraError PgRestorePermissionDenied = new(nameof(PgRestorePermissionDenied), ErrorCategory.PermissionDenied);
    public static readonly HydraError PgRestorePublicSchemaExists = new(nameof(PgRestorePublicSchemaExists), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreRoleExists = new(nameof(PgRestoreRoleExists), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreRoleMissing = new(nameof(PgRestoreRoleMissing), ErrorCategory.ObjectNotFound);
    public static readonly HydraError MaterializedViewRefreshFailed = new(nameof(MaterializedViewRefreshFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError SequenceSetFailed = new(nameof(SequenceSetFailed), ErrorCategory.InvalidResult);

    // Test-HydraMigration.
    public static readonly HydraError ValidationFailed = new(nameof(ValidationFailed), ErrorCategory.NotSpecified);
    public static readonly HydraError ValidationSourceMissing = new(nameof(ValidationSourceMissing), ErrorCategory.InvalidArgument);

    // Invoke-HydraMigration: its plan, journal and steps.
    public static readonly HydraError DiskSpaceInsufficient = new(nameof(DiskSpaceInsufficient), ErrorCategory.ResourceUnavailable);
    public static readonly HydraError MigrationFailed = new(nameof(MigrationFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError MigrationInputsChanged = new(nameof(MigrationInputsChanged), ErrorCategory.InvalidOperation);
    public static readonly HydraError MigrationJournalExists = new(nameof(MigrationJournalExists), ErrorCategory.ResourceExists);
    public static readonly HydraError MigrationJournalInvalid = new(nameof(MigrationJournalInvalid), ErrorCategory.InvalidData);
    public static readonly HydraError MigrationNeedsArchiveFormat = new(nameof(MigrationNeedsArchiveFormat), ErrorCategory.InvalidArgument);
    public static readonly HydraError MigrationPreflightFailed = new(nameof(MigrationPreflightFailed), ErrorCategory.InvalidOperation);
    public static readonly HydraError MigrationValidationFailed = new(nameof(MigrationValidationFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError PgRestoreFailed = new(nameof(PgRestoreFailed), ErrorCategory.InvalidResult);
    public static readonly HydraError RemoteFolderNotFound = new(nameof(RemoteFolderNotFound), ErrorCategory.ObjectNotFound);
    public static readonly HydraError RemotePathMissing = new(nameof(RemotePathMissing), ErrorCategory.InvalidArgument);
    public static readonly HydraError TargetDatabaseNotFound = new(nameof(TargetDatabaseNotFound), ErrorCategory.ObjectNotFound);

    private static readonly Lazy<IReadOnlyDictionary<string, HydraError>> Entries = new(() => typeof(HydraErrors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(HydraError))
        .Select(f => (HydraError)f.GetValue(null)!)
        .ToDictionary(e => e.Id, StringComparer.Ordinal));

    /// <summary>Every entry of the catalog, by id.</summary>
    public static IReadOnlyDictionary<string, HydraError> All => Entries.Value;

    /// <summary>The entry for an id carried as text (a <see cref="HydraRestoreIssue"/>'s); an id not in the catalog is a bug.</summary>
    public static HydraError ById(string id) => All.TryGetValue(id, out var error)
        ? error
        : throw new ArgumentException("'" + id + "' is not in the error catalog.", nameof(id));
}
